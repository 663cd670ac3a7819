using Bulwark.TestKit;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>Losses against central differences, for every reduction.</summary>
public sealed partial class GradientTests
{
    [Theory]
    [InlineData(Reduction.None)]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void Should_match_finite_differences_When_loss_is_cross_entropy(Reduction reduction)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 501);
        var logits = samples.Uniform([4, 5], -2, 2);
        var target = Torch.TensorOf(3L, 0L, 4L, 3L);

        // When
        var result = GradCheck.FirstOrder(inputs => Functional.CrossEntropy(inputs[0], target, reduction), logits);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(Reduction.None)]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void Should_match_finite_differences_When_cross_entropy_has_class_weights_label_smoothing_and_an_ignored_index(Reduction reduction)
    {
        // Given: the second sample carries the ignored label
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 502);
        var logits = samples.Uniform([4, 5], -2, 2);
        var target = Torch.TensorOf(3L, 1L, 4L, 0L);
        var classWeights = samples.Uniform([5], 0.5, 2);

        // When
        var result = GradCheck.FirstOrder(
            inputs => Functional.CrossEntropy(inputs[0], target, reduction, classWeights, ignoreIndex: 1, labelSmoothing: 0.1),
            logits);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(Reduction.None)]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void Should_match_finite_differences_When_loss_is_nll_loss(Reduction reduction)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 503);
        var logits = samples.Uniform([4, 5], -2, 2);
        var target = Torch.TensorOf(1L, 0L, 4L, 2L);
        var classWeights = samples.Uniform([5], 0.5, 2);

        // When
        var plain = GradCheck.FirstOrder(inputs => Functional.NllLoss(inputs[0].LogSoftmax(1), target, reduction), logits);
        var weighted = GradCheck.FirstOrder(inputs => Functional.NllLoss(inputs[0].LogSoftmax(1), target, reduction, classWeights), logits);

        // Then
        plain.Failures.ShouldBeEmpty(plain.ToString());
        weighted.Failures.ShouldBeEmpty(weighted.ToString());
    }

    [Theory]
    [InlineData(Reduction.None)]
    [InlineData(Reduction.Mean)]
    public void Should_match_finite_differences_When_nll_loss_takes_spatial_input(Reduction reduction)
    {
        // Given: [N, C, H, W] log-probabilities against [N, H, W] labels
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 504);
        var logits = samples.Uniform([2, 3, 2, 2], -2, 2);
        var target = samples.Integers([2, 2, 2], 0, 3);

        // When
        var result = GradCheck.FirstOrder(inputs => Functional.NllLoss(inputs[0].LogSoftmax(1), target, reduction), logits);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(Reduction.None)]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void Should_match_finite_differences_When_loss_is_binary_cross_entropy_with_logits(Reduction reduction)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 505);
        var logits = samples.Uniform([3, 4], -3, 3);
        var target = samples.Uniform([3, 4], 0, 1);
        var weight = samples.Uniform([4], 0.5, 2);

        // When
        var plain = GradCheck.FirstOrder(inputs => Functional.BinaryCrossEntropyWithLogits(inputs[0], target, reduction), logits);
        var weighted = GradCheck.FirstOrder(
            inputs => Functional.BinaryCrossEntropyWithLogits(inputs[0], target, reduction, weight), logits);

        // Then
        plain.Failures.ShouldBeEmpty(plain.ToString());
        weighted.Failures.ShouldBeEmpty(weighted.ToString());
    }

    [Theory]
    [InlineData(Reduction.None)]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void Should_match_finite_differences_for_input_and_target_When_loss_is_mse(Reduction reduction)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 506);
        var input = samples.Uniform([3, 4]);
        var target = samples.Uniform([3, 4]);

        // When
        var result = GradCheck.FirstOrder(inputs => Functional.MseLoss(inputs[0], inputs[1], reduction), input, target);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_match_finite_differences_for_input_and_target_When_loss_is_kl_div(bool logTarget)
    {
        // Given: log-probabilities against probabilities (or log-probabilities)
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 507);
        var logits = samples.Uniform([3, 4], -2, 2);
        var targetLogits = samples.Uniform([3, 4], -2, 2);

        // When
        var result = GradCheck.FirstOrder(
            inputs =>
            {
                var target = logTarget ? inputs[1].LogSoftmax(1) : inputs[1].Softmax(1);
                return Functional.KlDiv(inputs[0].LogSoftmax(1), target, Reduction.Sum, logTarget);
            },
            logits, targetLogits);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }
}
