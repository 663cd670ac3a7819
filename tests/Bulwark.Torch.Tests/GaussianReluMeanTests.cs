using Bulwark.TestKit;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>
/// The Gaussian ReLU mean T(μ, s) = E[relu(μ + s·Z)], Z ~ N(0, 1), against Monte Carlo, its closed-form derivatives
/// ∂T/∂μ = Φ(μ/s) and ∂T/∂s = φ(μ/s), central differences (first and second order, with s broadcast or not),
/// its s = 0 limit relu(μ), and the same formula written with plain tensor operations.
/// </summary>
public sealed class GaussianReluMeanTests
{
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;

    [Theory]
    [InlineData(-2.0, 0.5)]
    [InlineData(-0.3, 1.0)]
    [InlineData(0.0, 0.05)]
    [InlineData(0.0, 3.0)]
    [InlineData(0.4, 0.01)]
    [InlineData(1.5, 2.0)]
    [InlineData(3.0, 0.7)]
    public void Should_agree_with_a_Monte_Carlo_mean_of_relu_When_mean_and_std_vary(double mu, double s)
    {
        // Given: 10⁶ draws of relu(μ + s·z) with a seeded generator
        using var scope = TensorScope.Begin();
        using var generator = new Generator(7_001);
        const int count = 1_000_000;
        var draws = (mu + s * Torch.Randn([count], generator, DType.Float64)).Relu();
        var monteCarlo = draws.Mean().ToDouble();
        var standardError = Math.Sqrt(draws.Var().ToDouble() / count);

        // When
        var value = Functional.GaussianReluMean(Torch.Scalar(mu, DType.Float64), Torch.Scalar(s, DType.Float64)).ToDouble();

        // Then: within 3 standard errors, plus a slack for the cases where relu(μ + s·z) barely varies
        Math.Abs(value - monteCarlo).ShouldBeLessThanOrEqualTo(3 * standardError + 1e-9);
    }

    [Theory]
    [InlineData(new long[] { 4, 3, 5 }, new long[] { 4, 3, 5 })]
    [InlineData(new long[] { 4, 3, 5 }, new long[] { 1, 3, 5 })]
    [InlineData(new long[] { 4, 3, 5 }, new long[] { 3, 5 })]
    [InlineData(new long[] { 4, 3, 5 }, new long[] { })]
    [InlineData(new long[] { 4, 3, 5 }, new long[] { 3, 1 })]
    [InlineData(new long[] { 2, 1100 }, new long[] { 1, 1100 })]
    public void Should_have_gradients_Phi_and_phi_of_z_When_differentiated_once(long[] meanShape, long[] stdShape)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 7_002);
        var mean = samples.Uniform(meanShape, -2.5, 2.5).RequiresGrad_();
        var std = samples.Uniform(stdShape, 0.2, 2).RequiresGrad_();

        // When
        var grads = Autograd.Grad([Functional.GaussianReluMean(mean, std).Sum()], [mean, std]);

        // Then: Φ(z) = ½(1 + erf(z/√2)) and φ(z) = exp(−z²/2)/√(2π) at z = μ/s, φ summed back to s's shape
        var z = mean.Detach() / std.Detach();
        var cdf = 0.5 * ((z * InvSqrt2).Erf() + 1);
        var pdf = (z.Square() * -0.5).Exp() * InvSqrt2Pi;
        grads[0]!.ToArray<double>().ShouldBe(cdf.ToArray<double>(), 1e-12);
        grads[1]!.Shape.ShouldBe(stdShape);
        grads[1]!.ToArray<double>().ShouldBe(SumTo(pdf, stdShape).ToArray<double>(), 1e-10);
    }

    [Theory]
    [InlineData(new long[] { 3, 4 }, new long[] { 3, 4 })]
    [InlineData(new long[] { 3, 2, 4 }, new long[] { 1, 2, 4 })]
    [InlineData(new long[] { 3, 2, 4 }, new long[] { 2, 4 })]
    [InlineData(new long[] { 3, 2, 4 }, new long[] { })]
    [InlineData(new long[] { 3, 2, 4 }, new long[] { 2, 1 })]
    [InlineData(new long[] { 2, 300 }, new long[] { 300 })]
    public void Should_match_finite_differences_for_mean_and_std_When_std_broadcasts_or_not(long[] meanShape, long[] stdShape)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 7_003);
        var mean = samples.Uniform(meanShape, -2.5, 2.5);
        var std = samples.Uniform(stdShape, 0.2, 2);

        // When
        var result = GradCheck.FirstOrder(inputs => Functional.GaussianReluMean(inputs[0], inputs[1]), mean, std);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(new long[] { 3, 4 }, new long[] { 3, 4 })]
    [InlineData(new long[] { 3, 2, 4 }, new long[] { 1, 2, 4 })]
    [InlineData(new long[] { 3, 2, 4 }, new long[] { })]
    [InlineData(new long[] { 3, 2, 4 }, new long[] { 2, 1 })]
    public void Should_match_finite_differences_of_the_gradient_When_differentiated_twice(long[] meanShape, long[] stdShape)
    {
        // Given: inputs passed through tanh and a square, so that the gradient reaching T is not all ones
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 7_004);
        var mean = samples.Uniform(meanShape, -2.5, 2.5);
        var std = samples.Uniform(stdShape, 0.3, 2);

        // When
        var result = GradCheck.SecondOrder(
            inputs => Functional.GaussianReluMean(inputs[0].Tanh() * 2, inputs[1]).Square(), mean, std);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Fact]
    public void Should_equal_relu_with_relu_gradients_and_no_NaN_When_std_is_zero()
    {
        // Given: μ negative, zero and positive; s = 0 everywhere, then s = 0 in one column only
        using var scope = TensorScope.Begin();
        var mean = Torch.FromArray(new[] { -1.5, 0.0, 2.0, -0.0, 1e-300, -3.0 }, 2, 3).RequiresGrad_();
        var zero = Torch.Zeros([2, 3], DType.Float64).RequiresGrad_();
        var mixed = Torch.FromArray(new[] { 0.0, 0.5, 1.0 }, 3).RequiresGrad_();

        // When
        var value = Functional.GaussianReluMean(mean, zero);
        var first = Autograd.Grad([value.Sum()], [mean, zero], createGraph: true);
        var second = Autograd.Grad([(first[0]! + first[1]!).Sum()], [mean, zero], allowUnused: true);
        var mixedValue = Functional.GaussianReluMean(mean, mixed);
        var mixedGrads = Autograd.Grad([mixedValue.Sum()], [mean, mixed]);

        // Then: T(μ, 0) = relu(μ), ∂T/∂μ = 1[μ > 0], ∂T/∂s = 0
        value.ToArray<double>().ShouldBe(mean.Detach().Relu().ToArray<double>());
        first[0]!.ToArray<double>().ShouldBe([0.0, 0, 1, 0, 1, 0]);
        first[1]!.ToArray<double>().ShouldAllBe(g => g == 0);
        second.ShouldAllBe(g => g == null || g.ToArray<double>().All(double.IsFinite));
        mixedValue.Select(1, 0).ToArray<double>().ShouldBe([0.0, 0]);
        mixedValue.ToArray<double>().ShouldAllBe(v => double.IsFinite(v));
        mixedGrads[0]!.ToArray<double>().ShouldAllBe(g => double.IsFinite(g));
        mixedGrads[1]!.ToArray<double>().ShouldAllBe(g => double.IsFinite(g));
        mixedGrads[1]!.ToArray<double>()[0].ShouldBe(0);
    }

    [Theory]
    [InlineData(DType.Float64)]
    [InlineData(DType.Float32)]
    public void Should_approach_relu_When_std_shrinks_towards_zero(DType dtype)
    {
        // Given
        using var scope = TensorScope.Begin();
        var mean = Torch.FromArray(new[] { -2.0, -1e-3, 0.0, 1e-3, 0.5, 4.0 }, 6).To(dtype);

        // When
        var value = Functional.GaussianReluMean(mean, Torch.Scalar(1e-6, dtype));

        // Then: 0 ≤ T − relu(μ) ≤ s·φ(0)
        var gap = (value - mean.Relu()).To(DType.Float64).ToArray<double>();
        gap.ShouldAllBe(g => g >= -1e-7 && g <= 1e-6 * InvSqrt2Pi + 1e-7);
    }

    [Fact]
    public void Should_match_the_formula_in_plain_tensor_operations_When_float32_on_the_cpu()
    {
        // Given: pre-activations [B, C, H, W] with s shared over the batch
        using var scope = TensorScope.Begin();
        using var generator = new Generator(7_005);
        var mean = (Torch.Randn([8, 3, 5, 5], generator) * 2).RequiresGrad_();
        var std = (Torch.Rand([1, 3, 5, 5], generator) + 0.05).RequiresGrad_();

        // When
        var fused = Functional.GaussianReluMean(mean, std);
        var fusedGrads = Autograd.Grad([fused.Sum()], [mean, std]);
        var z = mean / std;
        var composite = mean * (0.5 * ((z * InvSqrt2).Erf() + 1)) + std * ((z.Square() * -0.5).Exp() * InvSqrt2Pi);
        var compositeGrads = Autograd.Grad([composite.Sum()], [mean, std]);

        // Then
        fused.DType.ShouldBe(DType.Float32);
        ShouldBeClose(fused, composite, relative: 2e-6, absolute: 1e-6);
        ShouldBeClose(fusedGrads[0]!, compositeGrads[0]!, relative: 2e-6, absolute: 1e-6);
        ShouldBeClose(fusedGrads[1]!, compositeGrads[1]!, relative: 2e-5, absolute: 1e-5);
    }

    [Fact]
    public void Should_give_the_same_values_When_mean_is_not_contiguous_or_dtypes_differ()
    {
        // Given: a transposed view, and float64 μ with float32 s (which takes the composite path)
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 7_006);
        var mean = samples.Uniform([5, 4], -2, 2);
        var std = samples.Uniform([5, 1], 0.1, 1.5);

        // When
        var contiguous = Functional.GaussianReluMean(mean.T.Contiguous(), std.T);
        var strided = Functional.GaussianReluMean(mean.T, std.T);
        var mixed = Functional.GaussianReluMean(mean, std.To(DType.Float32));

        // Then
        strided.ToArray<double>().ShouldBe(contiguous.ToArray<double>(), 1e-15);
        mixed.ToArray<double>().ShouldBe(Functional.GaussianReluMean(mean, std.To(DType.Float32).To(DType.Float64))
            .ToArray<double>(), 1e-12);
    }

    [Theory]
    [InlineData(new long[] { 2, 4 }, new long[] { 3 })]
    [InlineData(new long[] { 2, 4 }, new long[] { 2, 2, 4 })]
    [InlineData(new long[] { 2, 4 }, new long[] { 4, 1 })]
    public void Should_throw_ArgumentException_naming_both_shapes_When_std_does_not_broadcast(long[] meanShape, long[] stdShape)
    {
        // Given
        using var scope = TensorScope.Begin();
        var mean = Torch.Zeros(meanShape, DType.Float64);
        var std = Torch.Ones(stdShape, DType.Float64);

        // When
        var error = Should.Throw<ArgumentException>(() => Functional.GaussianReluMean(mean, std));

        // Then
        error.ParamName.ShouldBe("std");
        error.Message.ShouldContain("does not broadcast");
        error.Message.ShouldContain($"[{string.Join(", ", stdShape)}]");
        error.Message.ShouldContain($"[{string.Join(", ", meanShape)}]");
    }

    [Fact]
    public void Should_throw_clear_errors_When_std_is_negative_or_the_dtype_is_integral()
    {
        // Given
        using var scope = TensorScope.Begin();
        var mean = Torch.Zeros([2, 3], DType.Float64);
        var negative = Torch.FromArray(new[] { 0.5, -0.1, 1.0 }, 3);

        // When / Then
        Should.Throw<TorchValueException>(() => Functional.GaussianReluMean(mean, negative.To(DType.Float64)))
            .Message.ShouldContain("std must be >= 0");
        Should.Throw<TorchValueException>(() => Functional.GaussianReluMean(mean, negative))
            .Message.ShouldContain("std must be >= 0");
        Should.Throw<TorchTypeException>(() => Functional.GaussianReluMean(Torch.Zeros([2, 3], DType.Int64), negative.Abs()))
            .Message.ShouldContain("floating-point");
    }

    [Fact]
    public void Should_throw_ObjectDisposedException_When_a_tensor_is_disposed()
    {
        // Given
        using var scope = TensorScope.Begin();
        var mean = Torch.Zeros([2, 3], DType.Float64);
        var std = Torch.Ones([3], DType.Float64);
        var disposed = Torch.Ones([3], DType.Float64);
        disposed.Dispose();

        // When / Then
        Should.Throw<ObjectDisposedException>(() => Functional.GaussianReluMean(mean, disposed));
        Should.Throw<ObjectDisposedException>(() => Functional.GaussianReluMean(disposed, std));
    }

    // Sums a tensor over the dimensions that stdShape broadcasts, as the gradient of a broadcast input must be.
    private static Tensor SumTo(Tensor full, long[] shape)
    {
        var lead = full.Dim - shape.Length;
        var dims = Enumerable.Range(0, (int)full.Dim)
            .Where(d => d < lead || (shape[d - lead] == 1 && full.Shape[d] != 1))
            .Select(d => (long)d)
            .ToArray();
        var summed = dims.Length == 0 ? full : full.Sum(dims, keepDim: true);
        return summed.Reshape(shape);
    }

    private static void ShouldBeClose(Tensor actual, Tensor expected, double relative, double absolute)
    {
        var a = actual.To(DType.Float64).ToArray<double>();
        var e = expected.To(DType.Float64).ToArray<double>();
        a.Length.ShouldBe(e.Length);
        for (var i = 0; i < a.Length; i++)
        {
            Math.Abs(a[i] - e[i]).ShouldBeLessThanOrEqualTo(absolute + relative * Math.Abs(e[i]), $"element {i}");
        }
    }
}
