using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Attacks.Tests;

public sealed class ClosedFormTests
{
    [Theory]
    [InlineData("l2")]
    [InlineData("linf")]
    public void Should_find_the_minimal_perturbation_within_overshoot_When_DeepFool_attacks_an_affine_classifier(string normName)
    {
        // Given
        var norm = Norm.Parse(normName);
        using var affine = new AffineClassifier();
        var truth = affine.MinimalNorms(norm);

        // When
        using var result = new DeepFool(norm).Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels));

        // Then
        var found = result.Norms.ToArray<double>();
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        for (var i = 0; i < truth.Length; i++)
        {
            found[i].ShouldBeGreaterThanOrEqualTo(truth[i] * (1 - 1e-9));
            found[i].ShouldBeLessThanOrEqualTo(truth[i] * 1.02 + 1e-3);
        }
    }

    [Theory]
    [InlineData("l2")]
    [InlineData("linf")]
    [InlineData("l1")]
    public void Should_succeed_above_and_fail_below_the_true_margin_When_PGD_attacks_a_binary_affine_classifier(string normName)
    {
        // Given: two classes, so the cross-entropy is monotone in the one margin and its maximiser over the ball is
        // the closed-form answer (with more classes the ascent may settle on a farther class's vertex)
        var norm = Norm.Parse(normName);
        using var affine = new AffineClassifier(classes: 2);
        var truth = affine.MinimalNorms(norm);
        var pgd = new ProjectedGradientDescent(norm, new PgdOptions { Steps = 100, RelativeStepSize = 0.05 });

        for (var i = 0; i < truth.Length; i++)
        {
            using var scope = TensorScope.Begin();
            var x = affine.Inputs.Narrow(0, i, 1);
            var y = affine.Labels.Narrow(0, i, 1);

            // When
            using var result = pgd.Run(affine.Model, x, new Misclassification(y), [truth[i] * 0.99, truth[i] * 1.01]);

            // Then
            var success = result.Success.ToArray<bool>();
            success[0].ShouldBeFalse($"sample {i}: success below the true margin {truth[i]}");
            if (!ReferenceEquals(norm, Norm.L1))
            {
                success[1].ShouldBeTrue($"sample {i}: failure above the true margin {truth[i]}");
            }
        }
    }
}
