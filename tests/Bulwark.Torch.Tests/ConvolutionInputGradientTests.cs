using Bulwark.TestKit;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>
/// A float32 convolution with few input channels takes its own kernel for the input gradient (native/src/Nn.cpp). Its
/// gradients — first order, and second order through a create_graph backward — against two independent oracles: the
/// closed form (the input gradient of a convolution is the transposed convolution of the output gradient) and libtorch's
/// double-precision backward, which that route never takes.
/// </summary>
public sealed class ConvolutionInputGradientTests
{
    private const double Tolerance = 2e-5;

    [Theory]
    [InlineData(1, 1, 0, true)]
    [InlineData(1, 1, 2, false)]
    [InlineData(1, 2, 1, true)]
    [InlineData(3, 1, 2, true)]
    [InlineData(3, 2, 0, false)]
    [InlineData(4, 1, 1, true)]
    public void Should_match_the_transposed_convolution_and_the_double_backward_When_a_float_conv2d_is_differentiated(
        long channels, long stride, long padding, bool withBias)
    {
        // Given: x [5, C, 9, 9], 6 filters of 5×5, and a random output weighting c, so that the loss Σ c·y has ∂/∂y = c
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 451);
        var x = samples.Uniform([5, channels, 9, 9]);
        var weight = samples.Uniform([6, channels, 5, 5]);
        var bias = samples.Uniform([6]);
        var outputSize = (9 + 2 * padding - 5) / stride + 1;
        var c = samples.Uniform([5, 6, outputSize, outputSize]);

        // When: the float32 gradients with respect to all three (or input and weight)
        Tensor[] leaves = withBias
            ? [x.Float().RequiresGrad_(), weight.Float().RequiresGrad_(), bias.Float().RequiresGrad_()]
            : [x.Float().RequiresGrad_(), weight.Float().RequiresGrad_()];
        var y = Functional.Conv2d(leaves[0], leaves[1], withBias ? leaves[2] : null, stride: (stride, stride), padding: (padding, padding));
        var grads = Autograd.Grad([y.Mul(c.Float()).Sum()], leaves);

        // Then: ∂/∂x = conv_transpose2d(c, W), with the output padding that restores the input's size
        var outputPadding = 9 - ((outputSize - 1) * stride - 2 * padding + 5);
        var closedForm = Functional.ConvTranspose2d(c, weight, stride: (stride, stride), padding: (padding, padding),
            outputPadding: (outputPadding, outputPadding));
        RelativeError(grads[0]!, closedForm).ShouldBeLessThan(Tolerance);
        // and every gradient equals libtorch's own double-precision backward
        Tensor[] doubles = withBias
            ? [x.Clone().RequiresGrad_(), weight.Clone().RequiresGrad_(), bias.Clone().RequiresGrad_()]
            : [x.Clone().RequiresGrad_(), weight.Clone().RequiresGrad_()];
        var y64 = Functional.Conv2d(doubles[0], doubles[1], withBias ? doubles[2] : null, stride: (stride, stride), padding: (padding, padding));
        var expected = Autograd.Grad([y64.Mul(c).Sum()], doubles);
        for (var i = 0; i < leaves.Length; i++)
        {
            RelativeError(grads[i]!, expected[i]!).ShouldBeLessThan(Tolerance, $"gradient {i}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Should_match_the_double_backward_When_only_the_input_requires_grad_as_in_an_attack(long channels)
    {
        // Given: a frozen conv → ReLU → linear classifier, as an attack sees it
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 452);
        var x = samples.Uniform([7, channels, 12, 12], 0, 1);
        var weight = samples.Uniform([4, channels, 5, 5]);
        var bias = samples.Uniform([4]);
        var head = samples.Uniform([3, 4 * 12 * 12], -0.1, 0.1);
        var labels = samples.Integers([7], 0, 3);
        Tensor Loss(Tensor input, DType dtype) => Functional.CrossEntropy(
            Functional.Linear(Functional.Conv2d(input, weight.To(dtype), bias.To(dtype), padding: (2, 2)).Relu().Flatten(1), head.To(dtype)),
            labels, Reduction.Sum);

        // When
        var x32 = x.Float().RequiresGrad_();
        var gradient = Autograd.Grad(Loss(x32, DType.Float32), x32);

        // Then
        var x64 = x.Clone().RequiresGrad_();
        RelativeError(gradient, Autograd.Grad(Loss(x64, DType.Float64), x64)).ShouldBeLessThan(Tolerance);
    }

    [Fact]
    public void Should_match_the_double_second_order_gradient_When_the_input_gradient_is_penalised()
    {
        // Given: the double-backprop penalty ‖∂CE/∂x‖² of a conv (1 input channel) → tanh → linear classifier
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 453);
        var x = samples.Uniform([6, 1, 10, 10], 0, 1);
        var weight = samples.Uniform([3, 1, 5, 5]);
        var bias = samples.Uniform([3]);
        var head = samples.Uniform([4, 3 * 10 * 10], -0.2, 0.2);
        var labels = samples.Integers([6], 0, 4);
        Tensor[] Penalty(DType dtype)
        {
            var input = x.To(dtype).RequiresGrad_();
            var w = weight.To(dtype).RequiresGrad_();
            var b = bias.To(dtype).RequiresGrad_();
            var h = head.To(dtype).RequiresGrad_();
            var loss = Functional.CrossEntropy(
                Functional.Linear(Functional.Conv2d(input, w, b, padding: (2, 2)).Tanh().Flatten(1), h), labels, Reduction.Sum);
            var inputGradient = Autograd.Grad(loss, input, createGraph: true);
            return [.. Autograd.Grad([inputGradient.Square().Sum()], [w, b, h]).Select(g => g!)];
        }

        // When
        var grads = Penalty(DType.Float32);

        // Then: ∂penalty/∂(W, b, head) in float32 through the direct kernel's own derivative equals double precision
        var expected = Penalty(DType.Float64);
        for (var i = 0; i < grads.Length; i++)
        {
            RelativeError(grads[i], expected[i]).ShouldBeLessThan(1e-4, $"parameter {i}");
        }
    }

    /// <summary>max |a − b| / max |b|: float32 rounding is relative to the gradient's scale.</summary>
    private static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = TensorScope.Begin();
        var reference = expected.Double();
        var scale = reference.Abs().Max().ToDouble();
        scale.ShouldBeGreaterThan(0);
        return actual.Double().Sub(reference).Abs().Max().ToDouble() / scale;
    }
}
