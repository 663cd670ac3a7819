using Bulwark.TestKit;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>
/// A float32 2×2/stride-2 max-pool takes the shim's own kernel (native/src/Nn.cpp), with indices when its input requires
/// grad and without when nothing will be differentiated. The oracle
/// is libtorch's general kernel run on the same values in float64, which that route never takes: values, the position
/// each gradient flows back to, and second-order gradients must agree exactly — also on ties, NaN and −∞, where the
/// rule (row-major scan, strictly greater or NaN wins) decides.
/// </summary>
public sealed class MaxPoolKernelTests
{
    [Theory]
    [InlineData(new long[] { 3, 4, 28, 28 })]
    [InlineData(new long[] { 2, 16, 10, 10 })]
    [InlineData(new long[] { 2, 3, 9, 11 })]
    [InlineData(new long[] { 4, 6, 2, 4 })]
    [InlineData(new long[] { 2, 1, 5, 17 })]
    [InlineData(new long[] { 4, 8, 9 })]
    public void Should_equal_libtorchs_kernel_in_values_and_gradients_When_windows_hold_ties_NaN_and_minus_infinity(long[] shape)
    {
        // Given: small integers (many ties inside a window), with about 5% NaN and 5% −∞, every plane's top-left window
        // all −∞, and an output weighting c
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 613);
        var special = samples.Uniform(shape, 0, 1);
        var topLeft = Torch.Arange(shape[^2]).Lt(2).View(-1, 1).LogicalAnd(Torch.Arange(shape[^1]).Lt(2));
        var x = samples.Integers(shape, 0, 3).Double()
            .MaskedFill(special.Lt(0.05), double.NaN)
            .MaskedFill(special.Gt(0.95).LogicalOr(topLeft), double.NegativeInfinity);
        var outputShape = (long[])shape.Clone();
        outputShape[^2] /= 2;
        outputShape[^1] /= 2;
        var c = samples.Integers(outputShape, -4, 5).Double();

        // When: pooled in float32 (the shim's kernel) and in float64 (libtorch's), each differentiated through Σ c·y,
        // and pooled in float32 with no gradient to record (the kernel without indices)
        var (y32, gradient32) = PoolAndGradient(x.Float(), c.Float());
        var (y64, gradient64) = PoolAndGradient(x, c);
        var plain = Functional.MaxPool2d(x.Float(), (2, 2));

        // Then: the same values, NaN in the same places, and every gradient sent to the same element
        ShouldBeIdentical(y32.Double(), y64);
        ShouldBeIdentical(plain.Double(), y64);
        plain.RequiresGrad.ShouldBeFalse();
        ShouldBeIdentical(gradient32.Double(), gradient64);
        // (the data held every case: ties, NaN and −∞ windows occur)
        y64.Ne(y64).Any().ToBoolean().ShouldBeTrue();
        y64.Eq(double.NegativeInfinity).Any().ToBoolean().ShouldBeTrue();
    }

    [Fact]
    public void Should_equal_libtorchs_second_order_gradient_When_the_input_gradient_is_differentiated_again()
    {
        // Given: y = pool(s ⊙ x) with a learnable scale s, as in double backprop, and the penalty ‖∂(Σ c·y)/∂x‖²
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 614);
        var x = samples.Uniform([3, 2, 12, 10]);
        var s = samples.Uniform([2, 1, 1], 0.5, 2);
        var c = samples.Uniform([3, 2, 6, 5]);

        // When: the penalty's gradient with respect to s, in float32 (the shim's kernel) and in float64 (libtorch's)
        var gradient32 = PenaltyGradient(x.Float(), s.Float(), c.Float());
        var gradient64 = PenaltyGradient(x, s, c);

        // Then: the same second-order gradient (Σ over the routed elements of 2·s·c²·x²-type terms, rounded in float32)
        gradient64.Abs().Sum().ToDouble().ShouldBeGreaterThan(0);
        var error = gradient32.Double().Sub(gradient64).Abs().Max().ToDouble() / gradient64.Abs().Max().ToDouble();
        error.ShouldBeLessThan(1e-5);
    }

    [Fact]
    public void Should_match_the_kernel_it_replaces_When_the_input_is_not_contiguous()
    {
        // Given: a transposed (non-contiguous) input, which keeps libtorch's kernel, and its contiguous copy, which does not
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 615);
        var x = samples.Uniform([2, 3, 8, 6]).Float();
        var transposed = x.Transpose(2, 3);
        var c = samples.Uniform([2, 3, 3, 4]).Float();

        // When
        var (general, generalGradient) = PoolAndGradient(transposed, c);
        var (fast, fastGradient) = PoolAndGradient(transposed.Contiguous(), c);

        // Then
        ShouldBeIdentical(fast.Double(), general.Double());
        ShouldBeIdentical(fastGradient.Double(), generalGradient.Double());
    }

    private static (Tensor Output, Tensor Gradient) PoolAndGradient(Tensor x, Tensor c)
    {
        var leaf = x.Detach().RequiresGrad_();
        var y = Functional.MaxPool2d(leaf, (2, 2));
        var gradient = Autograd.Grad(y.Mul(c).Sum(), leaf);
        return (y.Detach(), gradient);
    }

    private static Tensor PenaltyGradient(Tensor x, Tensor s, Tensor c)
    {
        var leafX = x.Detach().RequiresGrad_();
        var leafS = s.Detach().RequiresGrad_();
        var y = Functional.MaxPool2d(leafX.Mul(leafS), (2, 2));
        var inputGradient = Autograd.Grad([y.Mul(c).Sum()], [leafX], createGraph: true)[0]!;
        return Autograd.Grad(inputGradient.Square().Sum(), leafS);
    }

    private static void ShouldBeIdentical(Tensor actual, Tensor expected)
    {
        actual.Shape.ShouldBe(expected.Shape);
        var actualNaN = actual.Ne(actual);
        var expectedNaN = expected.Ne(expected);
        actualNaN.Equal(expectedNaN).ShouldBeTrue("NaN in the same places");
        actual.MaskedFill(actualNaN, 0).Equal(expected.MaskedFill(expectedNaN, 0)).ShouldBeTrue("the same values");
    }
}
