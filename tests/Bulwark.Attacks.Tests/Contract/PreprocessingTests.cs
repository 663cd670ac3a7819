using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks.Tests.Contract;

/// <summary>
/// An <see cref="AttackModel"/> with a mean and std attacks in input space: the same as a network whose first layer is the
/// standardisation. Three channels with different statistics, so that a per-channel mix-up shows.
/// </summary>
public sealed class PreprocessingTests
{
    private static readonly double[] Mean = [0.5, 0.4, 0.3];
    private static readonly double[] Std = [0.2, 0.25, 0.3];

    public static TheoryData<string> Entries => AttackTable.Names();

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_give_the_results_of_a_network_with_the_standardisation_built_in_When_the_model_carries_mean_and_std(string entry)
    {
        // Given
        var network = new Sequential(new Conv2d(3, 4, 3, padding: 1), new ReLU(), new Flatten(), new Linear(4 * 8 * 8, 10));
        using var given = TestTarget.Network("conv3", network, channels: 3, model: new AttackModel(network, mean: Mean, std: Std));
        using var standardize = new Standardize(Mean, Std);
        var builtIn = new AttackModel(new Sequential(standardize, network));
        var attack = AttackTable.Get(entry).Create();
        var epsilons = AttackTable.Epsilons(attack.Norm);
        var criterion = new Misclassification(given.Labels);

        // When
        using var preprocessed = attack.Run(given.Model, given.Inputs, criterion, epsilons, seed: 5);
        using var standardised = attack.Run(builtIn, given.Inputs, criterion, epsilons, seed: 5);

        // Then
        preprocessed.Success.ToArray<bool>().ShouldBe(standardised.Success.ToArray<bool>());
        preprocessed.RawSuccess.ToArray<bool>().ShouldBe(standardised.RawSuccess.ToArray<bool>());
        preprocessed.RawSuccess.ToArray<bool>().ShouldContain(true);
        for (var i = 0; i < preprocessed.Raw.Count; i++)
        {
            preprocessed.Raw[i].AllClose(standardised.Raw[i], rtol: 0, atol: 1e-5).ShouldBeTrue($"raw {i}");
        }

        for (var i = 0; i < epsilons.Length; i++)
        {
            preprocessed.Clipped[i].AllClose(standardised.Clipped[i], rtol: 0, atol: 1e-5).ShouldBeTrue($"clipped at ε = {epsilons[i]}");
        }
    }

    [Fact]
    public void Should_predict_as_the_standardising_network_When_the_model_carries_mean_and_std()
    {
        // Given
        var network = new Sequential(new Conv2d(3, 4, 3, padding: 1), new ReLU(), new Flatten(), new Linear(4 * 8 * 8, 10));
        using var given = TestTarget.Network("conv3", network, channels: 3, model: new AttackModel(network, mean: Mean, std: Std));
        using var standardize = new Standardize(Mean, Std);
        var builtIn = new AttackModel(new Sequential(standardize, network));
        network.Eval();

        // When
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var logits = given.Model.Logits(given.Inputs);
        var expected = builtIn.Logits(given.Inputs);

        // Then
        logits.AllClose(expected, rtol: 1e-6, atol: 1e-6).ShouldBeTrue();
    }
}
