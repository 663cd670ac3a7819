using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.MinimumNorm;

/// <summary>C&amp;W and DDN minimise the perturbation; DeepFool only linearises: on a network they must do at least as well.</summary>
public sealed class OptimisationStrengthTests
{
    public static TheoryData<string> Attacks => ["cw", "ddn"];

    private static MinimumNormAttack Create(string name) => name switch
    {
        // a shortened C&W (the search starts at c = 1 instead of 10⁻³, saving the search steps that only grow c)
        "cw" => new CarliniWagnerL2(new CarliniWagnerOptions { Steps = 100, BinarySearchSteps = 5, InitialConst = 1 }),
        "ddn" => new DecoupledDirectionNorm(),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Should_find_a_smaller_mean_l2_perturbation_than_DeepFool_When_attacking_a_small_network(string name)
    {
        // Given
        using var network = new SmallNetwork();
        var criterion = new Misclassification(network.Labels);
        using var deepFool = new DeepFool(Norm.L2).Run(network.Model, network.Inputs, criterion);

        // When
        using var result = Create(name).Run(network.Model, network.Inputs, criterion);

        // Then
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        deepFool.RawSuccess.All().ToBoolean().ShouldBeTrue();
        using var scope = TensorScope.Begin();
        var mean = result.Norms.Mean().ToDouble();
        var deepFoolMean = deepFool.Norms.Mean().ToDouble();
        mean.ShouldBeLessThanOrEqualTo(deepFoolMean);
    }
}
