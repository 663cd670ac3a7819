using Bulwark.TestKit;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>Functional layers, pooling and normalisation against central differences, for every input and parameter.</summary>
public sealed partial class GradientTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_match_finite_differences_for_input_weight_and_bias_When_op_is_linear(bool withBias)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 401);
        var x = samples.Uniform([3, 4]);
        var weight = samples.Uniform([2, 4]);
        var bias = samples.Uniform([2]);

        // When
        var result = withBias
            ? GradCheck.FirstOrder(inputs => Functional.Linear(inputs[0], inputs[1], inputs[2]), x, weight, bias)
            : GradCheck.FirstOrder(inputs => Functional.Linear(inputs[0], inputs[1]), x, weight);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(1, 1, 0, 0, 1, 1, 1)]
    [InlineData(2, 2, 1, 1, 1, 1, 1)]
    [InlineData(1, 2, 0, 1, 1, 1, 1)]
    [InlineData(1, 1, 2, 2, 2, 2, 1)]
    [InlineData(2, 1, 1, 0, 1, 2, 2)]
    [InlineData(1, 1, 1, 1, 1, 1, 4)]
    public void Should_match_finite_differences_for_input_weight_and_bias_When_op_is_conv2d(
        long strideH, long strideW, long padH, long padW, long dilationH, long dilationW, long groups)
    {
        // Given: 4 input and 4 output channels, so that every group count above divides both
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 402);
        var x = samples.Uniform([2, 4, 6, 5]);
        var weight = samples.Uniform([4, 4 / groups, 3, 3]);
        var bias = samples.Uniform([4]);

        // When
        var result = GradCheck.FirstOrder(
            inputs => Functional.Conv2d(inputs[0], inputs[1], inputs[2], stride: (strideH, strideW), padding: (padH, padW),
                dilation: (dilationH, dilationW), groups: groups),
            x, weight, bias);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(1, 0, 0, 1, 1)]
    [InlineData(2, 1, 1, 1, 1)]
    [InlineData(2, 0, 1, 2, 1)]
    [InlineData(1, 1, 0, 1, 2)]
    public void Should_match_finite_differences_for_input_weight_and_bias_When_op_is_conv_transpose2d(
        long stride, long padding, long outputPadding, long groups, long dilation)
    {
        // Given: weight is [in, out / groups, kH, kW]
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 403);
        var x = samples.Uniform([2, 4, 3, 4]);
        var weight = samples.Uniform([4, 6 / groups, 3, 3]);
        var bias = samples.Uniform([6]);

        // When
        var result = GradCheck.FirstOrder(
            inputs => Functional.ConvTranspose2d(inputs[0], inputs[1], inputs[2], stride: (stride, stride),
                padding: (padding, padding), outputPadding: (outputPadding, outputPadding), groups: groups,
                dilation: (dilation, dilation)),
            x, weight, bias);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(2, 2, 0, 1, false)]
    [InlineData(3, 2, 1, 1, false)]
    [InlineData(2, 1, 0, 2, false)]
    [InlineData(3, 2, 0, 1, true)]
    public void Should_match_finite_differences_When_op_is_max_pool2d(long kernel, long stride, long padding, long dilation, bool ceilMode)
    {
        // Given: distinct values, so that no window has a tie
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 404);
        var x = samples.Distinct([2, 2, 6, 5]);

        // When
        var result = GradCheck.FirstOrder(
            inputs => Functional.MaxPool2d(inputs[0], (kernel, kernel), (stride, stride), (padding, padding), (dilation, dilation), ceilMode),
            x);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(2, 2, 0, false, true)]
    [InlineData(3, 2, 1, false, true)]
    [InlineData(3, 2, 1, false, false)]
    [InlineData(3, 2, 0, true, true)]
    public void Should_match_finite_differences_When_op_is_avg_pool2d(long kernel, long stride, long padding, bool ceilMode, bool countIncludePad)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 405);
        var x = samples.Uniform([2, 2, 6, 5]);

        // When
        var result = GradCheck.FirstOrder(
            inputs => Functional.AvgPool2d(inputs[0], (kernel, kernel), (stride, stride), (padding, padding), ceilMode, countIncludePad),
            x);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(1, 1)]
    [InlineData(4, 5)]
    public void Should_match_finite_differences_When_op_is_adaptive_avg_pool2d(long outH, long outW)
    {
        // Given: 7 × 5 does not divide evenly into most of the output sizes, so windows overlap
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 406);
        var x = samples.Uniform([2, 2, 7, 5]);

        // When
        var result = GradCheck.FirstOrder(inputs => Functional.AdaptiveAvgPool2d(inputs[0], (outH, outW)), x);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(new long[] { 4, 3, 2, 2 }, false)]
    [InlineData(new long[] { 4, 3, 2, 2 }, true)]
    [InlineData(new long[] { 5, 3 }, true)]
    public void Should_match_finite_differences_for_input_weight_and_bias_When_batch_norm_trains(long[] shape, bool trackRunningStats)
    {
        // Given: training normalises with the batch statistics, which depend on every input
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 407);
        var x = samples.Uniform(shape, -2, 2);
        var weight = samples.Uniform([3], 0.5, 1.5);
        var bias = samples.Uniform([3]);

        // When
        var result = GradCheck.FirstOrder(
            inputs =>
            {
                var runningMean = trackRunningStats ? Torch.Zeros([3], DType.Float64) : null;
                var runningVar = trackRunningStats ? Torch.Ones([3], DType.Float64) : null;
                return Functional.BatchNorm(inputs[0], runningMean, runningVar, inputs[1], inputs[2], training: true);
            },
            x, weight, bias);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Fact]
    public void Should_match_finite_differences_for_input_weight_and_bias_When_batch_norm_evaluates()
    {
        // Given: evaluation normalises with fixed running statistics
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 408);
        var x = samples.Uniform([4, 3, 2, 2], -2, 2);
        var weight = samples.Uniform([3], 0.5, 1.5);
        var bias = samples.Uniform([3]);
        var runningMean = samples.Uniform([3]);
        var runningVar = samples.Uniform([3], 0.5, 2);

        // When
        var result = GradCheck.FirstOrder(
            inputs => Functional.BatchNorm(inputs[0], runningMean, runningVar, inputs[1], inputs[2], training: false),
            x, weight, bias);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(0.5, false)]
    public void Should_match_finite_differences_When_dropout_is_the_identity(double p, bool training)
    {
        // Given: p = 0 in training, or any p in evaluation, keeps every element unscaled
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 409);
        var x = samples.Uniform([3, 4]);

        // When
        var result = GradCheck.FirstOrder(inputs => Functional.Dropout(inputs[0], p, training) * 1.0, x);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }
}
