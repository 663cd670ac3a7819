using Bulwark.TestKit;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>
/// Gradients of gradients (what Jacobian, input-gradient and margin regularizers differentiate) against
/// central differences of the first gradient: g = ∂s/∂x built with createGraph, then ∂(v·g)/∂x.
/// </summary>
public sealed class SecondOrderTests
{
    private static readonly Dictionary<string, (Func<Samples, Tensor[]> Inputs, Func<Tensor[], Tensor> Function)> Cases = new()
    {
        ["exp"] = (s => [s.Uniform([2, 3], -1, 1)], x => x[0].Exp()),
        ["log"] = (s => [s.Uniform([2, 3], 0.5, 2)], x => x[0].Log()),
        ["log1p"] = (s => [s.Uniform([2, 3], -0.5, 2)], x => x[0].Log1p()),
        ["sqrt"] = (s => [s.Uniform([2, 3], 0.5, 2)], x => x[0].Sqrt()),
        ["rsqrt"] = (s => [s.Uniform([2, 3], 0.5, 2)], x => x[0].Rsqrt()),
        ["reciprocal"] = (s => [s.AwayFromZero([2, 3], 0.5, 2)], x => x[0].Reciprocal()),
        ["square"] = (s => [s.Uniform([2, 3])], x => x[0].Square()),
        ["pow_2.5"] = (s => [s.Uniform([2, 3], 0.5, 2)], x => x[0].Pow(2.5)),
        ["pow_tensor"] = (s => [s.Uniform([2, 3], 0.5, 2), s.Uniform([2, 3], -2, 2)], x => x[0].Pow(x[1])),
        ["mul"] = (s => [s.Uniform([2, 3]), s.Uniform([2, 3])], x => x[0] * x[1]),
        ["div"] = (s => [s.Uniform([2, 3]), s.AwayFromZero([2, 3], 0.5, 2)], x => x[0] / x[1]),
        ["abs_times_input"] = (s => [s.AwayFromZero([2, 3])], x => x[0].Abs() * x[0]),
        ["sin"] = (s => [s.Uniform([2, 3], -3, 3)], x => x[0].Sin()),
        ["cos"] = (s => [s.Uniform([2, 3], -3, 3)], x => x[0].Cos()),
        ["erf"] = (s => [s.Uniform([2, 3], -2, 2)], x => x[0].Erf()),
        ["sigmoid"] = (s => [s.Uniform([2, 3], -3, 3)], x => x[0].Sigmoid()),
        ["tanh"] = (s => [s.Uniform([2, 3], -2, 2)], x => x[0].Tanh()),
        ["softplus"] = (s => [s.Uniform([2, 3], -3, 3)], x => x[0].Softplus()),
        ["softplus_beta2"] = (s => [s.Uniform([2, 3], -3, 3)], x => x[0].Softplus(beta: 2)),
        ["leaky_relu_of_linear"] = (s => [s.Uniform([3, 4]), s.Uniform([5, 4])], x => Functional.Linear(x[0], x[1]).LeakyRelu(0.1)),
        ["softmax"] = (s => [s.Uniform([3, 4], -2, 2)], x => x[0].Softmax(1)),
        ["log_softmax"] = (s => [s.Uniform([3, 4], -2, 2)], x => x[0].LogSoftmax(1)),
        ["logsumexp"] = (s => [s.Uniform([3, 4], -2, 2)], x => x[0].LogSumExp(1)),
        ["norm_2"] = (s => [s.Uniform([3, 4])], x => x[0].Norm(2)),
        ["norm_per_sample_2"] = (s => [s.Uniform([3, 2, 2, 2])], x => x[0].NormPerSample(2)),
        ["mean_and_var"] = (s => [s.Uniform([3, 4])], x => x[0].Var([1]) + x[0].Mean(0).Square().Sum()),
        ["matmul"] = (s => [s.Uniform([3, 4]), s.Uniform([4, 2])], x => x[0].Matmul(x[1]).Tanh()),
        ["linear"] = (s => [s.Uniform([3, 4]), s.Uniform([5, 4]), s.Uniform([5])], x => Functional.Linear(x[0], x[1], x[2]).Square()),
        ["relu_of_linear"] = (s => [s.Uniform([3, 4]), s.Uniform([5, 4]), s.Uniform([5])], x => Functional.Linear(x[0], x[1], x[2]).Relu()),
        ["conv2d"] = (s => [s.Uniform([2, 2, 5, 5]), s.Uniform([3, 2, 3, 3]), s.Uniform([3])],
            x => Functional.Conv2d(x[0], x[1], x[2], stride: (2, 1), padding: (1, 1)).Tanh()),
        ["conv2d_groups_dilation"] = (s => [s.Uniform([1, 4, 5, 5]), s.Uniform([4, 2, 2, 2])],
            x => Functional.Conv2d(x[0], x[1], dilation: (2, 2), groups: 2).Square()),
        ["conv_transpose2d"] = (s => [s.Uniform([1, 2, 3, 3]), s.Uniform([2, 3, 3, 3])],
            x => Functional.ConvTranspose2d(x[0], x[1], stride: (2, 2), padding: (1, 1)).Sigmoid()),
        ["max_pool2d_of_square"] = (s => [s.Distinct([1, 2, 4, 4], 0.2, 2)], x => Functional.MaxPool2d(x[0].Square(), (2, 2))),
        ["max_pool2d_of_conv2d"] = (s => [s.Uniform([1, 2, 5, 5]), s.Uniform([3, 2, 2, 2])],
            x => Functional.MaxPool2d(Functional.Conv2d(x[0], x[1]), (2, 2)).Tanh()),
        ["avg_pool2d_of_square"] = (s => [s.Uniform([1, 2, 4, 4])], x => Functional.AvgPool2d(x[0].Square(), (2, 2))),
        ["adaptive_avg_pool2d_of_exp"] = (s => [s.Uniform([1, 2, 5, 4])], x => Functional.AdaptiveAvgPool2d(x[0].Exp(), (2, 3))),
        ["batch_norm_train"] = (s => [s.Uniform([4, 3], -2, 2), s.Uniform([3], 0.5, 1.5), s.Uniform([3])],
            x => Functional.BatchNorm(x[0], null, null, x[1], x[2], training: true)),
        // the output's gradient depends on the inputs too (as in double backprop through a network), so every term of
        // batch norm's double backward is exercised: with respect to x, γ and the incoming gradient
        ["batch_norm_train_then_tanh"] = (s => [s.Uniform([5, 3], -2, 2), s.Uniform([3], 0.5, 1.5), s.Uniform([3])],
            x => Functional.BatchNorm(x[0], null, null, x[1], x[2], training: true).Tanh()),
        ["batch_norm2d_train_of_conv2d_then_softplus"] = (s => [s.Uniform([3, 2, 4, 4]), s.Uniform([3, 2, 3, 3]), s.Uniform([3], 0.5, 1.5), s.Uniform([3])],
            x => Functional.BatchNorm(Functional.Conv2d(x[0], x[1], padding: (1, 1)), null, null, x[2], x[3], training: true).Softplus()),
        ["batch_norm2d_train_shift_only_then_tanh"] = (s => [s.Uniform([4, 2, 3, 3], -2, 2), s.Uniform([2])],
            x => Functional.BatchNorm(x[0], null, null, Torch.Ones([2], DType.Float64), x[1], training: true).Tanh()),
        ["cross_entropy"] = (s => [s.Uniform([4, 5], -2, 2)], x => Functional.CrossEntropy(x[0], Torch.TensorOf(3L, 0L, 4L, 3L))),
        ["cross_entropy_of_linear"] = (s => [s.Uniform([4, 3]), s.Uniform([5, 3]), s.Uniform([5])],
            x => Functional.CrossEntropy(Functional.Linear(x[0], x[1], x[2]), Torch.TensorOf(1L, 4L, 0L, 2L), Reduction.Sum)),
        ["nll_loss_of_log_softmax"] = (s => [s.Uniform([4, 5], -2, 2)],
            x => Functional.NllLoss(x[0].LogSoftmax(1), Torch.TensorOf(1L, 4L, 0L, 2L), Reduction.None)),
        ["binary_cross_entropy_with_logits"] = (s => [s.Uniform([3, 4], -3, 3)],
            x => Functional.BinaryCrossEntropyWithLogits(x[0], Torch.FullLike(x[0], 0.3))),
        ["mse_loss"] = (s => [s.Uniform([3, 4]), s.Uniform([3, 4])], x => Functional.MseLoss(x[0].Tanh(), x[1])),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Should_match_finite_differences_of_the_gradient_When_function_is(string name)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 601);
        var (inputs, function) = Cases[name];
        var x = inputs(samples);

        // When
        var result = GradCheck.SecondOrder(function, x);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Fact]
    public void Should_give_a_zero_second_derivative_but_a_working_mixed_term_When_relu_follows_a_linear_layer()
    {
        // Given: s = Σ relu(x·wᵀ); ∂²s/∂x² = 0, yet ∂/∂w of (v · ∂s/∂x) = mask-weighted v, not zero
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 602);
        var x = samples.AwayFromZero([2, 3]).RequiresGrad_();
        var w = samples.Uniform([4, 3]).RequiresGrad_();
        var v = samples.Uniform([2, 3]);

        // When
        var pre = Functional.Linear(x, w);
        var gradX = Autograd.Grad(pre.Relu().Sum(), x, createGraph: true);
        var grads = Autograd.Grad([(gradX * v).Sum()], [x, w], allowUnused: true);

        // Then: d/dw_kj of Σ_b,i v_bi · Σ_k 1[pre_bk > 0] w_ki = Σ_b v_bj · 1[pre_bk > 0]
        var mask = pre.Gt(0).To(DType.Float64);
        var expected = mask.T.Matmul(v).ToArray<double>();
        grads[1]!.ToArray<double>().ShouldBe(expected, 1e-12);
        (grads[0] is null || grads[0]!.ToArray<double>().All(g => g == 0)).ShouldBeTrue();
    }

    [Fact]
    public void Should_match_finite_differences_of_the_second_gradient_When_batch_norm_is_differentiated_three_times()
    {
        // Given: q(x) = z · ∂/∂x (v · ∂f/∂x) with f = Σ w·tanh(BN(x)) in training mode. Built with a graph, the second
        // gradient takes batch norm's composite double backward; built without, its fused kernel.
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 603);
        var x0 = samples.Uniform([4, 3, 2, 2], -2, 2);
        var gamma = samples.Uniform([3], 0.5, 1.5);
        var beta = samples.Uniform([3]);
        var w = samples.Uniform([4, 3, 2, 2]);
        var v = samples.Uniform([4, 3, 2, 2]);
        var z = samples.Uniform([4, 3, 2, 2]);
        Tensor SecondGradient(Tensor x, bool createGraph)
        {
            var f = (Functional.BatchNorm(x, null, null, gamma, beta, training: true).Tanh() * w).Sum();
            var first = Autograd.Grad(f, x, createGraph: true);
            return Autograd.Grad((first * v).Sum(), x, createGraph: createGraph);
        }

        // When
        var x = x0.Clone().RequiresGrad_();
        var third = Autograd.Grad((SecondGradient(x, createGraph: true) * z).Sum(), x).ToArray<double>();

        // Then: central differences of q, each q computed through the fused kernel
        const double h = 1e-5;
        var point = x0.ToArray<double>();
        for (var i = 0; i < point.Length; i++)
        {
            double Q(double delta)
            {
                using var inner = TensorScope.Begin();
                var shifted = (double[])point.Clone();
                shifted[i] += delta;
                var xi = Torch.TensorOf(shifted).Reshape(x0.Shape).RequiresGrad_();
                return (SecondGradient(xi, createGraph: false) * z).Sum().ToDouble();
            }

            var numerical = (Q(h) - Q(-h)) / (2 * h);
            third[i].ShouldBe(numerical, 1e-5 + 1e-4 * Math.Abs(numerical), $"element {i}");
        }
    }
}
