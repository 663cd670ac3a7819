using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>Forward values of the functional layers and losses against closed forms.</summary>
public sealed class FunctionalTests
{
    [Fact]
    public void Should_compute_x_times_w_transposed_plus_b_When_linear_is_applied()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2);
        var w = Torch.FromArray(new double[] { 1, 0, 1, 1, -1, 2 }, 3, 2);
        var b = Torch.FromArray(new double[] { 0.5, 0, -1 }, 3);

        // When
        var y = Functional.Linear(x, w, b);

        // Then
        y.ToArray<double>().ShouldBe([1.5, 3, 2, 3.5, 7, 4]);
    }

    [Fact]
    public void Should_sum_each_window_When_conv2d_uses_a_box_kernel()
    {
        // Given: a 4 × 4 counting image and a 2 × 2 kernel of ones, stride 2, one output channel per group
        using var scope = TensorScope.Begin();
        var x = Torch.Arange(0, 16, 1, DType.Float64).View(1, 1, 4, 4);
        var ones = Torch.Ones([1, 1, 2, 2], DType.Float64);
        var bias = Torch.FromArray(new double[] { 100 }, 1);

        // When
        var sums = Functional.Conv2d(x, ones, bias, stride: (2, 2));
        var padded = Functional.Conv2d(x, ones, padding: (1, 1), stride: (3, 3));

        // Then: windows {0,1,4,5}, {2,3,6,7}, {8,9,12,13}, {10,11,14,15}
        sums.ToArray<double>().ShouldBe([110.0, 118, 142, 150]);
        padded.ToArray<double>().ShouldBe([0.0, 5, 20, 50]);
    }

    [Fact]
    public void Should_keep_groups_apart_When_conv2d_has_groups()
    {
        // Given: two channels, two groups; group 0 doubles its channel, group 1 negates its own
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2, 3, 4, 10, 20, 30, 40 }, 1, 2, 2, 2);
        var w = Torch.FromArray(new double[] { 2, -1 }, 2, 1, 1, 1);

        // When
        var y = Functional.Conv2d(x, w, groups: 2);

        // Then
        y.ToArray<double>().ShouldBe([2.0, 4, 6, 8, -10, -20, -30, -40]);
    }

    [Fact]
    public void Should_stamp_the_kernel_at_stride_spacing_When_conv_transpose2d_is_applied()
    {
        // Given: two pixels 1 and 2, a 2 × 2 kernel [[1, 2], [3, 4]], stride 2: the stamps do not overlap
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 1, 1, 1, 2);
        var w = Torch.FromArray(new double[] { 1, 2, 3, 4 }, 1, 1, 2, 2);

        // When
        var y = Functional.ConvTranspose2d(x, w, stride: (2, 2));

        // Then
        y.Shape.ShouldBe([1L, 1L, 2L, 4L]);
        y.ToArray<double>().ShouldBe([1.0, 2, 2, 4, 3, 4, 6, 8]);
    }

    [Fact]
    public void Should_take_window_maxima_and_means_When_pooling()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Arange(0, 16, 1, DType.Float64).View(1, 1, 4, 4);

        // When
        var max = Functional.MaxPool2d(x, (2, 2));
        var mean = Functional.AvgPool2d(x, (2, 2));
        var paddedWithZeros = Functional.AvgPool2d(x, (2, 2), padding: (1, 1), countIncludePad: true);
        var paddedIgnored = Functional.AvgPool2d(x, (2, 2), padding: (1, 1), countIncludePad: false);
        var adaptive = Functional.AdaptiveAvgPool2d(x, (1, 2));

        // Then
        max.ToArray<double>().ShouldBe([5.0, 7, 13, 15]);
        mean.ToArray<double>().ShouldBe([2.5, 4.5, 10.5, 12.5]);
        paddedWithZeros.ToArray<double>()[0].ShouldBe(0.0 / 4);
        paddedWithZeros.ToArray<double>()[1].ShouldBe((1 + 2) / 4.0);
        paddedIgnored.ToArray<double>()[1].ShouldBe((1 + 2) / 2.0);
        adaptive.ToArray<double>().ShouldBe([(0 + 1 + 4 + 5 + 8 + 9 + 12 + 13) / 8.0, (2 + 3 + 6 + 7 + 10 + 11 + 14 + 15) / 8.0]);
    }

    [Fact]
    public void Should_normalise_with_batch_statistics_and_update_running_ones_When_batch_norm_trains()
    {
        // Given: channel 0 holds 1, 2, 3, 4 and channel 1 holds 10, 10, 30, 30
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 10, 2, 10, 3, 30, 4, 30 }, 4, 2);
        var runningMean = Torch.Zeros([2], DType.Float64);
        var runningVar = Torch.Ones([2], DType.Float64);
        var weight = Torch.FromArray(new double[] { 2, 1 }, 2);
        var bias = Torch.FromArray(new double[] { 0, 5 }, 2);

        // When
        var y = Functional.BatchNorm(x, runningMean, runningVar, weight, bias, training: true, momentum: 0.1, eps: 0);

        // Then: biased variances 1.25 and 100 normalise; the running variance takes the unbiased 5/3 and 400/3
        var z0 = new[] { -1.5, -0.5, 0.5, 1.5 }.Select(d => 2 * d / Math.Sqrt(1.25)).ToArray();
        y.ToArray<double>().ShouldBe([z0[0], 4, z0[1], 4, z0[2], 6, z0[3], 6], 1e-12);
        runningMean.ToArray<double>().ShouldBe([0.25, 2.0], 1e-12);
        runningVar.ToArray<double>().ShouldBe([0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 400 / 3], 1e-12);
    }

    [Fact]
    public void Should_normalise_with_running_statistics_When_batch_norm_evaluates()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 10, 3, 30 }, 2, 2);
        var runningMean = Torch.FromArray(new double[] { 1, 20 }, 2);
        var runningVar = Torch.FromArray(new double[] { 4, 25 }, 2);

        // When
        var y = Functional.BatchNorm(x, runningMean, runningVar, training: false, eps: 0);

        // Then
        y.ToArray<double>().ShouldBe([0.0, -2, 1, 2], 1e-12);
        runningMean.ToArray<double>().ShouldBe([1.0, 20]);
    }

    [Fact]
    public void Should_zero_about_p_of_the_elements_and_rescale_the_rest_When_dropout_trains()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones([10000], DType.Float64);

        // When
        var y = Functional.Dropout(x, 0.25, training: true).ToArray<double>();
        var evaluated = Functional.Dropout(x, 0.25, training: false).ToArray<double>();

        // Then
        y.ShouldAllBe(v => v == 0 || Math.Abs(v - 1 / 0.75) < 1e-12);
        (y.Count(v => v == 0) / 10000.0).ShouldBe(0.25, 0.03);
        evaluated.ShouldAllBe(v => v == 1);
    }

    [Fact]
    public void Should_equal_logsumexp_minus_the_true_logit_When_cross_entropy_is_computed()
    {
        // Given
        using var scope = TensorScope.Begin();
        var logits = Torch.FromArray(new double[] { 1, 2, 3, 0, 0, 0 }, 2, 3);
        var target = Torch.TensorOf(0L, 2L);
        var l0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 1;
        var l1 = Math.Log(3);

        // When
        var none = Functional.CrossEntropy(logits, target, Reduction.None);
        var mean = Functional.CrossEntropy(logits, target);
        var sum = Functional.CrossEntropy(logits, target, Reduction.Sum);
        var nll = Functional.NllLoss(logits.LogSoftmax(1), target, Reduction.Sum);

        // Then
        none.ToArray<double>().ShouldBe([l0, l1], 1e-12);
        mean.ToDouble().ShouldBe((l0 + l1) / 2, 1e-12);
        sum.ToDouble().ShouldBe(l0 + l1, 1e-12);
        nll.ToDouble().ShouldBe(l0 + l1, 1e-12);
    }

    [Fact]
    public void Should_weight_average_and_skip_ignored_samples_When_cross_entropy_has_weights_and_an_ignore_index()
    {
        // Given
        using var scope = TensorScope.Begin();
        var logits = Torch.FromArray(new double[] { 1, 2, 3, 0, 0, 0, 5, 5, 5 }, 3, 3);
        var target = Torch.TensorOf(0L, 2L, 1L);
        var weight = Torch.FromArray(new double[] { 2, 7, 0.5 }, 3);
        var l0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 1;
        var l1 = Math.Log(3);

        // When: the third sample's label 1 is ignored
        var loss = Functional.CrossEntropy(logits, target, Reduction.Mean, weight, ignoreIndex: 1);

        // Then: Σ wᵧ·lᵢ / Σ wᵧ over the kept samples
        loss.ToDouble().ShouldBe((2 * l0 + 0.5 * l1) / 2.5, 1e-12);
    }

    [Fact]
    public void Should_match_the_closed_forms_When_binary_cross_entropy_mse_and_kl_div_are_computed()
    {
        // Given
        using var scope = TensorScope.Begin();
        var logits = Torch.FromArray(new double[] { 0, 2 }, 2);
        var target = Torch.FromArray(new double[] { 1, 0.25 }, 2);
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        var bce0 = -Math.Log(0.5);
        var bce1 = -(0.25 * Math.Log(Sigmoid(2)) + 0.75 * Math.Log(1 - Sigmoid(2)));
        var p = Torch.FromArray(new double[] { 0.5, 0.5 }, 1, 2);
        var q = Torch.FromArray(new double[] { 0.25, 0.75 }, 1, 2);

        // When
        var bce = Functional.BinaryCrossEntropyWithLogits(logits, target, Reduction.None);
        var mse = Functional.MseLoss(logits, target);
        var kl = Functional.KlDiv(q.Log(), p, Reduction.Sum);

        // Then: KL(p‖q) = Σ p log(p/q)
        bce.ToArray<double>().ShouldBe([bce0, bce1], 1e-12);
        mse.ToDouble().ShouldBe((1 + 1.75 * 1.75) / 2, 1e-12);
        kl.ToDouble().ShouldBe(0.5 * Math.Log(2) + 0.5 * Math.Log(0.5 / 0.75), 1e-12);
    }
}
