using Bulwark.Attacks;
using Bulwark.Attacks.Tests.Contract;
using Bulwark.Torch;

namespace Bulwark.Attacks.Tests;

[Collection(LeakCheckCollection.Name)] // counts live tensors: runs alone
public sealed class MinimumEpsilonSearchTests
{
    [Theory]
    [InlineData("l2")]
    [InlineData("linf")]
    public void Should_find_the_true_margin_within_one_grid_step_When_FGM_searches_epsilon_on_a_binary_affine_classifier(string normName)
    {
        // Given: on a two-class affine model one gradient step is the optimal direction, so FGM's minimal ε is the margin
        var norm = Norm.Parse(normName);
        using var affine = new AffineClassifier(classes: 2);
        var truth = affine.MinimalNorms(norm);
        var maxEpsilon = truth.Max() * 1.5;
        const int steps = 300;
        var attack = new FastGradientMethod(norm).MinimizeEpsilon(maxEpsilon, steps);

        // When
        using var result = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels));

        // Then
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        var found = result.Norms.ToArray<double>();
        for (var i = 0; i < truth.Length; i++)
        {
            found[i].ShouldBeGreaterThanOrEqualTo(truth[i] * (1 - 1e-9));
            found[i].ShouldBeLessThanOrEqualTo(truth[i] + maxEpsilon / steps + 1e-9);
        }
    }

    [Fact]
    public void Should_leave_no_tensor_behind_When_the_search_finishes()
    {
        // Given
        using var affine = new AffineClassifier(classes: 3);
        var attack = new ProjectedGradientDescent(Norm.Linf, new PgdOptions { Steps = 3, RandomStart = false }).MinimizeEpsilon(3, 20);
        var before = Torch.Torch.LiveTensors;

        // When
        attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels)).Dispose();

        // Then
        Torch.Torch.LiveTensors.ShouldBe(before);
    }
}
