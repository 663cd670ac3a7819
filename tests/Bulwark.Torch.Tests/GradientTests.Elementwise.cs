using Bulwark.TestKit;

namespace Bulwark.Torch.Tests;

/// <summary>
/// Every differentiable op against central differences in float64. Inputs are kept away from the points
/// where an op is not differentiable (zero for abs/relu/sign, ties for min/max, integers for floor/round).
/// </summary>
public sealed partial class GradientTests
{
    private static readonly Dictionary<string, (Func<Samples, Tensor> Input, Func<Tensor, Tensor> Op)> Unary = new()
    {
        ["neg"] = (s => s.Uniform([3, 4]), x => x.Neg()),
        ["exp"] = (s => s.Uniform([3, 4], -2, 2), x => x.Exp()),
        ["log"] = (s => s.Uniform([3, 4], 0.5, 3), x => x.Log()),
        ["log1p"] = (s => s.Uniform([3, 4], -0.5, 2), x => x.Log1p()),
        ["sqrt"] = (s => s.Uniform([3, 4], 0.5, 3), x => x.Sqrt()),
        ["rsqrt"] = (s => s.Uniform([3, 4], 0.5, 3), x => x.Rsqrt()),
        ["abs"] = (s => s.AwayFromZero([3, 4]), x => x.Abs()),
        ["sign"] = (s => s.AwayFromZero([3, 4]), x => x.Sign()),
        ["square"] = (s => s.Uniform([3, 4], -2, 2), x => x.Square()),
        ["reciprocal"] = (s => s.AwayFromZero([3, 4], 0.5, 2), x => x.Reciprocal()),
        ["sin"] = (s => s.Uniform([3, 4], -3, 3), x => x.Sin()),
        ["cos"] = (s => s.Uniform([3, 4], -3, 3), x => x.Cos()),
        ["floor"] = (s => s.AwayFromIntegers([3, 4]), x => x.Floor()),
        ["ceil"] = (s => s.AwayFromIntegers([3, 4]), x => x.Ceil()),
        ["round"] = (s => s.AwayFromIntegers([3, 4]), x => x.Round()),
        ["erf"] = (s => s.Uniform([3, 4], -2, 2), x => x.Erf()),
        ["sigmoid"] = (s => s.Uniform([3, 4], -4, 4), x => x.Sigmoid()),
        ["tanh"] = (s => s.Uniform([3, 4], -2, 2), x => x.Tanh()),
        ["relu"] = (s => s.AwayFromZero([3, 4]), x => x.Relu()),
        ["leaky_relu"] = (s => s.AwayFromZero([3, 4]), x => x.LeakyRelu(0.1)),
        ["softplus"] = (s => s.Uniform([3, 4], -3, 3), x => x.Softplus()),
        ["softplus_beta2_threshold1"] = (s => s.AwayFromZero([3, 4], 0.6, 2), x => x.Softplus(beta: 2, threshold: 1)),
        ["pow_2.5"] = (s => s.Uniform([3, 4], 0.5, 2), x => x.Pow(2.5)),
        ["pow_3"] = (s => s.Uniform([3, 4], -2, 2), x => x.Pow(3)),
        ["pow_-1.5"] = (s => s.Uniform([3, 4], 0.5, 2), x => x.Pow(-1.5)),
        ["clamp"] = (s => s.Distinct([3, 4], -1, 1), x => x.Clamp(-0.5, 0.5)),
        ["clamp_min"] = (s => s.Distinct([3, 4], -1, 1), x => x.Clamp(min: -0.5)),
        ["clamp_max"] = (s => s.Distinct([3, 4], -1, 1), x => x.Clamp(max: 1.0 / 3)),
        ["add_scalar"] = (s => s.Uniform([3, 4]), x => x + 2.5),
        ["sub_scalar"] = (s => s.Uniform([3, 4]), x => x - 2.5),
        ["mul_scalar"] = (s => s.Uniform([3, 4]), x => x * -3.0),
        ["div_scalar"] = (s => s.Uniform([3, 4]), x => x / 4.0),
        ["rsub_scalar"] = (s => s.Uniform([3, 4]), x => 2.0 - x),
        ["rdiv_scalar"] = (s => s.AwayFromZero([3, 4], 0.5, 2), x => 3.0 / x),
        ["softmax_dim1"] = (s => s.Uniform([3, 5], -2, 2), x => x.Softmax(1)),
        ["softmax_dim0"] = (s => s.Uniform([3, 5], -2, 2), x => x.Softmax(0)),
        ["softmax_3d_last"] = (s => s.Uniform([2, 3, 4], -2, 2), x => x.Softmax(-1)),
        ["log_softmax_dim1"] = (s => s.Uniform([3, 5], -2, 2), x => x.LogSoftmax(1)),
        ["log_softmax_dim0"] = (s => s.Uniform([3, 5], -2, 2), x => x.LogSoftmax(0)),
        ["log_softmax_3d_middle"] = (s => s.Uniform([2, 3, 4], -2, 2), x => x.LogSoftmax(1)),
    };

    private static readonly Dictionary<string, (Func<Samples, (Tensor, Tensor)> Inputs, Func<Tensor, Tensor, Tensor> Op)> Binary = new()
    {
        ["add_alpha"] = (s => (s.Uniform([3, 4]), s.Uniform([3, 4])), (a, b) => a.Add(b, alpha: 2.5)),
        ["add_broadcast"] = (s => (s.Uniform([3, 4]), s.Uniform([4])), (a, b) => a + b),
        ["sub_alpha"] = (s => (s.Uniform([3, 4]), s.Uniform([3, 4])), (a, b) => a.Sub(b, alpha: 0.5)),
        ["sub_broadcast"] = (s => (s.Uniform([3, 1]), s.Uniform([1, 4])), (a, b) => a - b),
        ["mul"] = (s => (s.Uniform([3, 4]), s.Uniform([3, 4])), (a, b) => a * b),
        ["mul_broadcast"] = (s => (s.Uniform([2, 3, 1]), s.Uniform([3, 4])), (a, b) => a * b),
        ["div"] = (s => (s.Uniform([3, 4]), s.AwayFromZero([3, 4], 0.5, 2)), (a, b) => a / b),
        ["div_broadcast"] = (s => (s.Uniform([3, 4]), s.AwayFromZero([3, 1], 0.5, 2)), (a, b) => a / b),
        ["pow_tensor"] = (s => (s.Uniform([3, 4], 0.5, 2), s.Uniform([3, 4], -2, 2)), (a, b) => a.Pow(b)),
        ["minimum"] = (s => Pair(s.Distinct([2, 3, 4])), (a, b) => a.Minimum(b)),
        ["maximum"] = (s => Pair(s.Distinct([2, 3, 4])), (a, b) => a.Maximum(b)),
        ["matmul_2d"] = (s => (s.Uniform([3, 4]), s.Uniform([4, 2])), (a, b) => a.Matmul(b)),
        ["matmul_vector_matrix"] = (s => (s.Uniform([4]), s.Uniform([4, 3])), (a, b) => a.Matmul(b)),
        ["matmul_matrix_vector"] = (s => (s.Uniform([3, 4]), s.Uniform([4])), (a, b) => a.Matmul(b)),
        ["matmul_batched_broadcast"] = (s => (s.Uniform([2, 1, 3, 4]), s.Uniform([3, 4, 2])), (a, b) => a.Matmul(b)),
        ["bmm"] = (s => (s.Uniform([2, 3, 4]), s.Uniform([2, 4, 5])), (a, b) => a.Bmm(b)),
    };

    public static TheoryData<string> UnaryOps => new(Unary.Keys);

    public static TheoryData<string> BinaryOps => new(Binary.Keys);

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void Should_match_finite_differences_When_unary_op_is(string op)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 101);
        var (input, function) = Unary[op];
        var x = input(samples);

        // When
        var result = GradCheck.FirstOrder(inputs => function(inputs[0]), x);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void Should_match_finite_differences_for_both_operands_When_binary_op_is(string op)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 102);
        var ((a, b), function) = (Binary[op].Inputs(samples), Binary[op].Op);

        // When
        var result = GradCheck.FirstOrder(inputs => function(inputs[0], inputs[1]), a, b);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Fact]
    public void Should_match_finite_differences_for_input_and_bounds_When_clamp_takes_tensor_bounds()
    {
        // Given: bounds broadcast along the rows; inputs on a grid the random bounds do not touch
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 103);
        var x = samples.Distinct([3, 4], -1, 1);
        var low = samples.Uniform([4], -0.8, -0.1);
        var high = samples.Uniform([4], 0.1, 0.8);

        // When
        var both = GradCheck.FirstOrder(inputs => inputs[0].Clamp(inputs[1], inputs[2]), x, low, high);
        var lowOnly = GradCheck.FirstOrder(inputs => inputs[0].Clamp(inputs[1], null), x, low);
        var highOnly = GradCheck.FirstOrder(inputs => inputs[0].Clamp(null, inputs[1]), x, high);

        // Then
        both.Failures.ShouldBeEmpty(both.ToString());
        lowOnly.Failures.ShouldBeEmpty(lowOnly.ToString());
        highOnly.Failures.ShouldBeEmpty(highOnly.ToString());
    }

    [Fact]
    public void Should_match_finite_differences_for_condition_branches_When_op_is_where()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 104);
        var condition = Torch.FromArray(new[] { true, false, false, true, true, false, true, false, false, true, false, true }, 3, 4);
        var a = samples.Uniform([3, 4]);
        var b = samples.Uniform([4]);

        // When
        var result = GradCheck.FirstOrder(inputs => Torch.Where(condition, inputs[0], inputs[1]), a, b);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData("sign")]
    [InlineData("floor")]
    [InlineData("ceil")]
    [InlineData("round")]
    public void Should_give_an_exactly_zero_gradient_When_op_is_piecewise_constant(string op)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 105);
        var x = samples.AwayFromIntegers([2, 5]).RequiresGrad_();

        // When
        var gradient = Autograd.Grad(Unary[op].Op(x).Sum(), x);

        // Then
        gradient.ToArray<double>().ShouldAllBe(g => g == 0);
    }

    private static (Tensor, Tensor) Pair(Tensor both) => (both[0].Contiguous(), both[1].Contiguous());
}
