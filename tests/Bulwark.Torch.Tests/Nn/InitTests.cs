using Bulwark.Torch.Nn;
using static Bulwark.Torch.Tests.Nn.NnTestKit;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// The <c>torch.nn.init</c> helpers: fans and gains against PyTorch's table, and each initialiser's sample
/// variance against its formula (He et al. 2015 for Kaiming, Glorot and Bengio 2010 for Xavier).
/// </summary>
public sealed class InitTests
{
    private const double UniformKurtosis = 9.0 / 5;
    private const double NormalKurtosis = 3;

    // [out, in, kh, kw] = [128, 64, 3, 3]: fan_in = 64·9 = 576, fan_out = 128·9 = 1152, 73,728 samples
    private static readonly long[] ConvShape = [128, 64, 3, 3];
    private const double FanIn = 576;
    private const double FanOut = 1152;

    [Theory]
    [InlineData(new long[] { 30, 20 }, 20, 30)]
    [InlineData(new long[] { 16, 8, 3, 5 }, 8 * 15, 16 * 15)]
    [InlineData(new long[] { 4, 2, 7 }, 14, 28)]
    [InlineData(new long[] { 5, 1, 1, 1 }, 1, 5)]
    public void Should_count_fans_as_channels_times_receptive_field_When_the_weight_is_linear_or_conv(
        long[] shape, long fanIn, long fanOut)
    {
        // Given
        using var weight = Torch.Empty(shape);

        // When
        var fans = Init.Fans(weight);

        // Then
        fans.ShouldBe((fanIn, fanOut));
    }

    [Fact]
    public void Should_throw_When_fans_are_asked_of_a_vector()
    {
        // Given
        using var bias = Torch.Empty([10]);

        // When / Then
        Should.Throw<ArgumentException>(() => Init.Fans(bias)).Message.ShouldContain("[10]");
    }

    [Theory]
    [InlineData("linear", 1.0)]
    [InlineData("conv1d", 1.0)]
    [InlineData("conv2d", 1.0)]
    [InlineData("conv3d", 1.0)]
    [InlineData("conv_transpose2d", 1.0)]
    [InlineData("sigmoid", 1.0)]
    [InlineData("tanh", 5.0 / 3)]
    [InlineData("relu", 1.4142135623730951)]
    [InlineData("selu", 0.75)]
    public void Should_return_pytorchs_recommended_gain_When_a_nonlinearity_is_named(string nonlinearity, double expected)
    {
        // Given / When
        var gain = Init.Gain(nonlinearity);

        // Then
        gain.ShouldBe(expected, 1e-15);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.2)]
    [InlineData(2.23606797749979)]
    public void Should_scale_the_relu_gain_by_the_slope_When_the_nonlinearity_is_leaky_relu(double slope)
    {
        // Given / When
        var gain = Init.Gain("leaky_relu", slope);

        // Then: sqrt(2 / (1 + a²)); at a = √5 (PyTorch's default layers) it is sqrt(1/3)
        gain.ShouldBe(Math.Sqrt(2 / (1 + slope * slope)), 1e-15);
        Init.Gain("leaky_relu").ShouldBe(Math.Sqrt(2 / 1.0001), 1e-15);
    }

    [Fact]
    public void Should_throw_When_the_nonlinearity_is_unknown()
    {
        // Given / When / Then
        Should.Throw<ArgumentException>(() => Init.Gain("swish")).Message.ShouldContain("swish");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_have_variance_two_over_fan_When_kaiming_uniform_is_used_for_relu(bool fanIn)
    {
        // Given
        using var generator = new Generator(21);
        using var weight = Torch.Empty(ConvShape);

        // When
        Init.KaimingUniform_(weight, fanIn: fanIn, nonlinearity: "relu", generator: generator);

        // Then: Var = gain² / fan with gain² = 2, and U(−b, b) with b = sqrt(3 · 2 / fan)
        var fan = fanIn ? FanIn : FanOut;
        var values = Values(weight);
        ShouldHaveVariance(values, 2 / fan, UniformKurtosis, "kaiming uniform");
        values.Max(Math.Abs).ShouldBeLessThanOrEqualTo(Math.Sqrt(6 / fan) * (1 + 1e-6));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_have_variance_two_over_fan_When_kaiming_normal_is_used_for_relu(bool fanIn)
    {
        // Given
        using var generator = new Generator(22);
        using var weight = Torch.Empty(ConvShape);

        // When
        Init.KaimingNormal_(weight, fanIn: fanIn, nonlinearity: "relu", generator: generator);

        // Then
        var values = Values(weight);
        ShouldHaveZeroMean(values, 2 / (fanIn ? FanIn : FanOut), "kaiming normal");
        ShouldHaveVariance(values, 2 / (fanIn ? FanIn : FanOut), NormalKurtosis, "kaiming normal");
    }

    [Fact]
    public void Should_use_the_leaky_relu_gain_When_kaiming_uniform_gets_a_negative_slope()
    {
        // Given
        using var generator = new Generator(23);
        using var weight = Torch.Empty(ConvShape);

        // When: PyTorch's layer default, a = √5
        Init.KaimingUniform_(weight, a: Math.Sqrt(5), generator: generator);

        // Then: gain² = 2 / (1 + 5) = 1/3, so Var = 1 / (3 fan_in) — the bound is exactly 1/sqrt(fan_in)
        ShouldHaveVariance(Values(weight), 1 / (3 * FanIn), UniformKurtosis, "kaiming uniform, a = √5");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(5.0 / 3)]
    public void Should_have_variance_two_gain_squared_over_fan_sum_When_xavier_uniform_is_used(double gain)
    {
        // Given
        using var generator = new Generator(24);
        using var weight = Torch.Empty(ConvShape);

        // When
        Init.XavierUniform_(weight, gain, generator);

        // Then: Var = gain² · 2 / (fan_in + fan_out), U(−b, b) with b = gain · sqrt(6 / (fan_in + fan_out))
        var values = Values(weight);
        ShouldHaveVariance(values, gain * gain * 2 / (FanIn + FanOut), UniformKurtosis, "xavier uniform");
        values.Max(Math.Abs).ShouldBeLessThanOrEqualTo(gain * Math.Sqrt(6 / (FanIn + FanOut)) * (1 + 1e-6));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.4142135623730951)]
    public void Should_have_variance_two_gain_squared_over_fan_sum_When_xavier_normal_is_used(double gain)
    {
        // Given
        using var generator = new Generator(25);
        using var weight = Torch.Empty(ConvShape);

        // When
        Init.XavierNormal_(weight, gain, generator);

        // Then
        var values = Values(weight);
        ShouldHaveZeroMean(values, gain * gain * 2 / (FanIn + FanOut), "xavier normal");
        ShouldHaveVariance(values, gain * gain * 2 / (FanIn + FanOut), NormalKurtosis, "xavier normal");
    }

    [Fact]
    public void Should_draw_the_same_values_When_two_generators_share_a_seed()
    {
        // Given
        using var first = new Generator(26);
        using var second = new Generator(26);
        using var a = Torch.Empty(ConvShape);
        using var b = Torch.Empty(ConvShape);

        // When
        Init.KaimingNormal_(a, generator: first);
        Init.KaimingNormal_(b, generator: second);

        // Then
        a.ToBytes().ShouldBe(b.ToBytes());
    }

    [Fact]
    public void Should_fill_every_element_When_constant_or_zeros_is_applied_to_a_parameter()
    {
        // Given: a leaf that requires grad, which an in-place fill outside no-grad would refuse
        using var parameter = Torch.Empty([2, 3]).RequiresGrad_();

        // When / Then
        Init.Constant_(parameter, 0.25);
        Values(parameter).ShouldAllBe(v => v == 0.25);
        Init.Zeros_(parameter);
        Values(parameter).ShouldAllBe(v => v == 0);
        parameter.IsLeaf.ShouldBeTrue();
    }

    [Fact]
    public void Should_match_the_requested_moments_When_uniform_and_normal_are_applied()
    {
        // Given
        using var generator = new Generator(27);
        using var uniform = Torch.Empty([100_000], DType.Float64);
        using var normal = Torch.Empty([100_000], DType.Float64);

        // When
        Init.Uniform_(uniform, 2, 5, generator);
        Init.Normal_(normal, -1, 0.5, generator);

        // Then: U(2, 5) has mean 3.5 and variance 9/12; N(−1, 0.5²) has mean −1 and variance 0.25
        var u = Values(uniform);
        u.Min().ShouldBeGreaterThanOrEqualTo(2);
        u.Max().ShouldBeLessThan(5);
        ShouldHaveZeroMean(u.Select(v => v - 3.5).ToList(), 0.75, "uniform");
        ShouldHaveVariance(u, 0.75, UniformKurtosis, "uniform");
        var n = Values(normal);
        ShouldHaveZeroMean(n.Select(v => v + 1).ToList(), 0.25, "normal");
        ShouldHaveVariance(n, 0.25, NormalKurtosis, "normal");
    }

    [Fact]
    public void Should_leave_an_empty_tensor_alone_When_kaiming_is_applied_to_zero_elements()
    {
        // Given: PyTorch makes this a no-op rather than dividing by a zero fan
        using var empty = Torch.Empty([4, 0]);

        // When / Then
        Should.NotThrow(() => Init.KaimingUniform_(empty));
        Should.NotThrow(() => Init.KaimingNormal_(empty));
    }

    [Theory]
    [InlineData(0.0, 0.1, -0.2, 0.2)]
    [InlineData(1.0, 2.0, -0.5, 3.0)]
    public void Should_draw_the_truncated_normals_moments_inside_its_bounds_When_trunc_normal_is_used(
        double mean, double std, double a, double b)
    {
        // Given: the truncated law's moments by Simpson's rule on its density, an oracle independent of the sampler
        using var generator = new Generator(31);
        using var weight = Torch.Empty([400, 500]);
        double Density(double x) => Math.Exp(-0.5 * Math.Pow((x - mean) / std, 2));
        var mass = Simpson(Density, a, b);
        var expectedMean = Simpson(x => x * Density(x), a, b) / mass;
        var expectedVariance = Simpson(x => Math.Pow(x - expectedMean, 2) * Density(x), a, b) / mass;
        var fourth = Simpson(x => Math.Pow(x - expectedMean, 4) * Density(x), a, b) / mass;

        // When
        Init.TruncNormal_(weight, mean, std, a, b, generator);

        // Then
        var values = Values(weight);
        values.Min().ShouldBeGreaterThanOrEqualTo(a);
        values.Max().ShouldBeLessThanOrEqualTo(b);
        Math.Abs(Mean(values) - expectedMean).ShouldBeLessThanOrEqualTo(
            StandardErrors * Math.Sqrt(expectedVariance / values.Length), "mean");
        ShouldHaveVariance(values, expectedVariance, fourth / (expectedVariance * expectedVariance), "truncated normal");
    }

    [Fact]
    public void Should_draw_the_same_values_When_trunc_normal_gets_generators_with_the_same_seed()
    {
        // Given
        using var first = Torch.Empty([100, 100]);
        using var second = Torch.Empty([100, 100]);

        // When
        using (var generator = new Generator(5))
        {
            Init.TruncNormal_(first, 0, 1, -1, 1, generator);
        }

        using (var generator = new Generator(5))
        {
            Init.TruncNormal_(second, 0, 1, -1, 1, generator);
        }

        // Then
        first.Equal(second).ShouldBeTrue();
    }

    [Theory]
    [InlineData(0.0, 0.0, -1.0, 1.0)]
    [InlineData(0.0, 1.0, 1.0, -1.0)]
    [InlineData(0.0, 1.0, 9.0, 10.0)]
    public void Should_throw_When_trunc_normal_has_no_spread_or_no_mass_between_its_bounds(double mean, double std, double a, double b)
    {
        // Given
        using var weight = Torch.Empty([4]);

        // When / Then
        Should.Throw<ArgumentOutOfRangeException>(() => Init.TruncNormal_(weight, mean, std, a, b));
    }

    private static double Simpson(Func<double, double> f, double a, double b, int intervals = 20_000)
    {
        var h = (b - a) / intervals;
        var sum = f(a) + f(b);
        for (var i = 1; i < intervals; i++)
        {
            sum += f(a + i * h) * (i % 2 == 1 ? 4 : 2);
        }

        return sum * h / 3;
    }
}
