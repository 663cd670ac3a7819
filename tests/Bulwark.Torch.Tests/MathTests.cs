namespace Bulwark.Torch.Tests;

/// <summary>Forward values of elementwise math and activations against closed forms.</summary>
public sealed class MathTests
{
    [Fact]
    public void Should_give_rows_that_are_probabilities_When_softmax_is_taken_along_them()
    {
        // Given
        using var scope = TensorScope.Begin();
        var logits = Torch.FromArray(new double[] { 1, 2, 3, -50, 0, 50 }, 2, 3);

        // When
        var probabilities = logits.Softmax(1);

        // Then
        probabilities.Sum(1).ToArray<double>().ShouldBe([1.0, 1.0], 1e-12);
        var expected = new[] { 1, Math.E, Math.E * Math.E }.Select(v => v / (1 + Math.E + Math.E * Math.E));
        probabilities[0].ToArray<double>().ShouldBe(expected, 1e-12);
        probabilities[1].ToArray<double>().ShouldAllBe(p => !double.IsNaN(p));
    }

    [Fact]
    public void Should_equal_logits_minus_logsumexp_When_log_softmax_is_taken()
    {
        // Given: large logits, where exp overflows but log-softmax must not
        using var scope = TensorScope.Begin();
        var logits = Torch.FromArray(new double[] { 1000, 1001, 1002 }, 1, 3);

        // When
        var logProbabilities = logits.LogSoftmax(1).ToArray<double>();

        // Then
        var lse = 1002 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2));
        logProbabilities.ShouldBe([1000 - lse, 1001 - lse, 1002 - lse], 1e-9);
    }

    [Fact]
    public void Should_match_closed_forms_When_activations_are_applied()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { -2, -0.5, 0.5, 3 }, 4);
        var values = new[] { -2, -0.5, 0.5, 3.0 };

        // When / Then
        x.Sigmoid().ToArray<double>().ShouldBe(values.Select(v => 1 / (1 + Math.Exp(-v))), 1e-12);
        x.Tanh().ToArray<double>().ShouldBe(values.Select(Math.Tanh), 1e-12);
        x.Relu().ToArray<double>().ShouldBe([0.0, 0.0, 0.5, 3.0]);
        x.LeakyRelu(0.1).ToArray<double>().ShouldBe([-0.2, -0.05, 0.5, 3.0], 1e-15);
        x.Softplus().ToArray<double>().ShouldBe(values.Select(v => Math.Log(1 + Math.Exp(v))), 1e-12);
        x.Softplus(beta: 2, threshold: 4).ToArray<double>().ShouldBe(
            values.Select(v => 2 * v > 4 ? v : Math.Log(1 + Math.Exp(2 * v)) / 2), 1e-12);
        x.Erf().ToArray<double>()[2].ShouldBe(0.5204998778130465, 1e-12);
    }

    [Fact]
    public void Should_match_closed_forms_When_elementwise_math_is_applied()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 0.25, 1, 2.5, 4 }, 4);

        // When / Then
        x.Sqrt().ToArray<double>().ShouldBe([0.5, 1, Math.Sqrt(2.5), 2], 1e-15);
        x.Rsqrt().ToArray<double>().ShouldBe([2, 1, 1 / Math.Sqrt(2.5), 0.5], 1e-15);
        x.Log().ToArray<double>().ShouldBe([Math.Log(0.25), 0, Math.Log(2.5), Math.Log(4)], 1e-15);
        x.Log1p().ToArray<double>().ShouldBe([Math.Log(1.25), Math.Log(2), Math.Log(3.5), Math.Log(5)], 1e-15);
        x.Pow(1.5).ToArray<double>().ShouldBe([0.125, 1, Math.Pow(2.5, 1.5), 8], 1e-12);
        x.Reciprocal().ToArray<double>().ShouldBe([4, 1, 0.4, 0.25], 1e-15);
        (1.0 - x).ToArray<double>().ShouldBe([0.75, 0, -1.5, -3]);
        (2.0 / x).ToArray<double>().ShouldBe([8, 2, 0.8, 0.5], 1e-15);
        x.Sub(1.0).ToArray<double>().ShouldBe([-0.75, 0, 1.5, 3]);
    }

    [Fact]
    public void Should_round_half_to_even_and_keep_signs_When_rounding_functions_are_applied()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { -1.5, -0.5, 0.5, 1.5, 2.5, -2.7 }, 6);

        // When / Then
        x.Round().ToArray<double>().ShouldBe([-2, -0.0, 0, 2, 2, -3]);
        x.Floor().ToArray<double>().ShouldBe([-2, -1, 0, 1, 2, -3]);
        x.Ceil().ToArray<double>().ShouldBe([-1, -0.0, 1, 2, 3, -2]);
        x.Sign().ToArray<double>().ShouldBe([-1, -1, 1, 1, 1, -1]);
        x.Abs().ToArray<double>().ShouldBe([1.5, 0.5, 0.5, 1.5, 2.5, 2.7]);
        Torch.Zeros([1], DType.Float64).Sign().ToDouble().ShouldBe(0);
    }

    [Fact]
    public void Should_limit_to_the_bounds_When_clamped_by_scalars_and_tensors()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { -3, -1, 0, 1, 3 }, 5);
        var low = Torch.FromArray(new double[] { -2, 0, -1, 2, -5 }, 5);

        // When / Then
        x.Clamp(-1.5, 2).ToArray<double>().ShouldBe([-1.5, -1, 0, 1, 2]);
        x.Clamp(min: 0.5).ToArray<double>().ShouldBe([0.5, 0.5, 0.5, 1, 3]);
        x.Clamp(max: -0.5).ToArray<double>().ShouldBe([-3, -1, -0.5, -0.5, -0.5]);
        x.Clamp(low, null).ToArray<double>().ShouldBe([-2, 0, 0, 2, 3]);
        x.Clamp(null, low).ToArray<double>().ShouldBe([-3, -1, -1, 1, -5]);
        x.Minimum(low).ToArray<double>().ShouldBe([-3, -1, -1, 1, -5]);
        x.Maximum(low).ToArray<double>().ShouldBe([-2, 0, 0, 2, 3]);
    }

    [Fact]
    public void Should_multiply_matrices_When_matmul_and_bmm_are_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        var a = Torch.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Torch.FromArray(new double[] { 7, 8, 9, 10, 11, 12 }, 3, 2);

        // When
        var product = a.Matmul(b);
        var batched = Torch.Stack([a, a * 2.0]).Bmm(Torch.Stack([b, b]));

        // Then
        product.ToArray<double>().ShouldBe([58.0, 64, 139, 154]);
        batched.Shape.ShouldBe([2L, 2L, 2L]);
        batched.ToArray<double>().ShouldBe([58.0, 64, 139, 154, 116, 128, 278, 308]);
    }

    [Fact]
    public void Should_compare_elementwise_When_comparison_ops_are_applied()
    {
        // Given
        using var scope = TensorScope.Begin();
        var a = Torch.FromArray(new double[] { 1, 2, 3 }, 3);
        var b = Torch.FromArray(new double[] { 3, 2, 1 }, 3);

        // When / Then
        a.Lt(b).ToArray<bool>().ShouldBe([true, false, false]);
        a.Le(b).ToArray<bool>().ShouldBe([true, true, false]);
        a.Eq(b).ToArray<bool>().ShouldBe([false, true, false]);
        a.Ne(2).ToArray<bool>().ShouldBe([true, false, true]);
        a.Ge(2).ToArray<bool>().ShouldBe([false, true, true]);
        a.Gt(b).LogicalOr(a.Eq(b)).ToArray<bool>().ShouldBe([false, true, true]);
        a.Gt(1).LogicalAnd(a.Lt(3)).LogicalNot().ToArray<bool>().ShouldBe([true, false, true]);
        a.Equal(a.Clone()).ShouldBeTrue();
        a.AllClose(a + 1e-9).ShouldBeTrue();
        a.AllClose(a + 1e-3).ShouldBeFalse();
    }

    [Fact]
    public void Should_stay_integer_When_integer_tensors_are_combined_with_each_other_and_whole_numbers()
    {
        // Given: every scalar crosses into native code as a double, yet `x + 1` on int64 must not become float
        using var scope = TensorScope.Begin();
        var x = Torch.Arange(3);
        var counter = Torch.Zeros([1], DType.Int64);

        // When
        var sum = x + x;
        var difference = x.Sub(x, alpha: 2);
        var plusOne = x + 1;
        var twice = x * 2;
        var fromTen = 10 - x;
        counter.Add_(1).Add_(2).Mul_(4);
        counter.Add_(Torch.Ones([1], DType.Int64), alpha: 5);

        // Then
        sum.DType.ShouldBe(DType.Int64);
        sum.ToArray<long>().ShouldBe([0L, 2L, 4L]);
        difference.ToArray<long>().ShouldBe([0L, -1L, -2L]);
        plusOne.DType.ShouldBe(DType.Int64);
        plusOne.ToArray<long>().ShouldBe([1L, 2L, 3L]);
        twice.ToArray<long>().ShouldBe([0L, 2L, 4L]);
        fromTen.ToArray<long>().ShouldBe([10L, 9L, 8L]);
        counter.ToArray<long>().ShouldBe([17L]);
        x.Clamp(1, 1).ToArray<long>().ShouldBe([1L, 1L, 1L]);
    }

    [Fact]
    public void Should_keep_the_integer_dtype_When_integer_tensors_are_filled_masked_scattered_and_clamped()
    {
        // Given
        using var scope = TensorScope.Begin();
        var labels = Torch.FromArray(new long[] { 4, -1, 7 }, 3);
        var mask = Torch.TensorOf(false, true, false);

        // When
        var full = Torch.Full([2], 3, DType.Int32);
        var masked = labels.MaskedFill(mask, 0);
        var scattered = Torch.Zeros([3], DType.Int64).Scatter(0, Torch.TensorOf(1L), 5);
        var clamped = labels.Clone().Clamp_(0, 5);
        var summed = labels.Sum();

        // Then
        full.DType.ShouldBe(DType.Int32);
        full.ToArray<int>().ShouldBe([3, 3]);
        masked.ToArray<long>().ShouldBe([4L, 0L, 7L]);
        scattered.ToArray<long>().ShouldBe([0L, 5L, 0L]);
        clamped.ToArray<long>().ShouldBe([4L, 0L, 5L]);
        summed.DType.ShouldBe(DType.Int64);
        summed.ToInt64().ShouldBe(10);
    }

    [Fact]
    public void Should_promote_to_float_When_an_integer_tensor_meets_a_fraction()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Arange(3);

        // When
        var shifted = x + 0.5;
        var halved = x / 2;

        // Then: as in PyTorch, a fractional scalar promotes to the default float dtype, and division is true division
        shifted.DType.ShouldBe(DType.Float32);
        shifted.ToArray<float>().ShouldBe([0.5f, 1.5f, 2.5f]);
        halved.ToArray<float>().ShouldBe([0f, 0.5f, 1f]);
        Should.Throw<TorchException>(() => Torch.Zeros([1], DType.Int64).Add_(0.5));
    }

    [Fact]
    public void Should_give_floats_When_a_bool_mask_is_scaled()
    {
        // Given
        using var scope = TensorScope.Begin();
        var mask = Torch.TensorOf(true, false, true);

        // When
        var weights = mask * 1.0;

        // Then
        weights.DType.ShouldBe(DType.Float32);
        weights.ToArray<float>().ShouldBe([1f, 0f, 1f]);
    }

    [Fact]
    public void Should_detect_non_finite_values_When_isnan_and_isfinite_are_applied()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new[] { 1.0, double.NaN, double.PositiveInfinity, -2 }, 4);

        // When / Then
        x.IsNaN().ToArray<bool>().ShouldBe([false, true, false, false]);
        x.IsFinite().ToArray<bool>().ShouldBe([true, false, false, true]);
    }

    [Fact]
    public void Should_update_the_tensor_itself_When_in_place_ops_are_applied()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 4, 9 }, 3);
        var y = Torch.FromArray(new double[] { 2, 2, 2 }, 3);

        // When
        x.Add_(y, alpha: 2).Mul_(0.5).Sqrt_();      // sqrt((x + 2y) / 2)
        var z = Torch.FromArray(new double[] { 0, 10, -1 }, 3);
        z.Addcmul_(y, y, 0.25).Addcdiv_(y, y, 2).Clamp_(max: 10).Maximum_(Torch.Zeros([3], DType.Float64));
        var w = Torch.FromArray(new double[] { 0, 10, 20 }, 3);
        w.Lerp_(Torch.FromArray(new double[] { 10, 10, 10 }, 3), 0.5);

        // Then
        x.ToArray<double>().ShouldBe([Math.Sqrt(2.5), 2, Math.Sqrt(6.5)], 1e-15);
        z.ToArray<double>().ShouldBe([3.0, 10, 2]);
        w.ToArray<double>().ShouldBe([5.0, 10, 15]);
    }
}
