using Bulwark.Torch.Nn;
using static Bulwark.Torch.Tests.Nn.NnTestKit;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// PyTorch's default initialisation of Linear and Conv2d, checked as a distribution: weight and bias are
/// U(−b, b) with b = 1/sqrt(fan_in), so every value lies within ±b, the mean is 0 and the variance b²/3.
/// The layers draw from the default generator, so these tests seed it and run alone.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public sealed class DefaultInitTests
{
    /// <summary>Kurtosis μ₄/σ⁴ of a uniform distribution: (b⁴/5) / (b²/3)².</summary>
    private const double UniformKurtosis = 9.0 / 5;

    private static void ShouldBeUniformWithin(Tensor tensor, double bound, string what)
    {
        var values = Values(tensor);

        // float32 rounding of the bound itself is the only slack
        values.Max(Math.Abs).ShouldBeLessThanOrEqualTo(bound * (1 + 1e-6), $"{what}: largest magnitude");
        ShouldHaveZeroMean(values, bound * bound / 3, what);
        ShouldHaveVariance(values, bound * bound / 3, UniformKurtosis, what);
    }

    [Fact]
    public void Should_draw_weight_and_bias_from_U_of_plus_minus_one_over_sqrt_fan_in_When_a_linear_layer_is_built()
    {
        // Given
        Torch.ManualSeed(11);

        // When: fan_in 50; 500,000 weights and 10,000 biases
        using var layer = new Linear(50, 10_000);

        // Then
        var bound = 1 / Math.Sqrt(50);
        ShouldBeUniformWithin(layer.Weight, bound, "weight");
        ShouldBeUniformWithin(layer.Bias!, bound, "bias");
    }

    [Theory]
    [InlineData(8, 4096, 3, 3, 1)]
    [InlineData(16, 4096, 3, 3, 4)]
    [InlineData(3, 2048, 3, 5, 1)]
    public void Should_draw_weight_and_bias_from_U_of_plus_minus_one_over_sqrt_fan_in_When_a_conv_layer_is_built(
        long inChannels, long outChannels, long kernelHeight, long kernelWidth, long groups)
    {
        // Given
        Torch.ManualSeed(12);

        // When
        using var layer = new Conv2d(inChannels, outChannels, (kernelHeight, kernelWidth), (1, 1), (0, 0), (1, 1), groups);

        // Then: fan_in counts the input channels of one group times the kernel area
        var fanIn = inChannels / groups * kernelHeight * kernelWidth;
        layer.Weight.Shape.ShouldBe([outChannels, inChannels / groups, kernelHeight, kernelWidth]);
        var bound = 1 / Math.Sqrt(fanIn);
        ShouldBeUniformWithin(layer.Weight, bound, "weight");
        ShouldBeUniformWithin(layer.Bias!, bound, "bias");
    }

    [Fact]
    public void Should_reach_close_to_the_bound_When_many_weights_are_drawn()
    {
        // Given: a uniform on [−b, b] has P(max |w| < b(1 − δ)) = (1 − δ)ⁿ; with n = 100,000 and δ = 10⁻³ that is e⁻¹⁰⁰
        Torch.ManualSeed(13);

        // When
        using var layer = new Linear(100, 1000);

        // Then: not a narrower law that the variance check might miss at the edges
        Values(layer.Weight).Max(Math.Abs).ShouldBeGreaterThan(0.999 / Math.Sqrt(100));
    }

    [Fact]
    public void Should_leave_parameters_as_leaves_that_require_grad_When_layers_are_initialised()
    {
        // Given / When
        using var linear = new Linear(3, 2);
        using var conv = new Conv2d(1, 2, 3);

        // Then: the initialisation ran without recording history
        foreach (var parameter in linear.Parameters().Concat(conv.Parameters()))
        {
            parameter.RequiresGrad.ShouldBeTrue();
            parameter.IsLeaf.ShouldBeTrue();
        }
    }

    [Fact]
    public void Should_build_an_empty_weight_and_a_zero_bias_When_a_linear_layer_has_no_inputs()
    {
        // Given: PyTorch allows Linear(0, n): nothing to draw for the weight, and a bias bound of 0 for fan_in 0

        // When
        using var layer = new Linear(0, 3);

        // Then
        layer.Weight.Shape.ShouldBe([3L, 0L]);
        Values(layer.Bias!).ShouldBe([0.0, 0.0, 0.0]);
    }
}
