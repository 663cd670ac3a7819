using Bulwark.Torch.Optim;
using static Bulwark.Torch.Tests.Optim.OptimTestKit;

namespace Bulwark.Torch.Tests.Optim;

public sealed class AdamTests
{
    [Fact]
    public void Should_move_each_element_by_the_learning_rate_When_the_gradient_is_constant()
    {
        // Given a constant gradient g, the bias-corrected moments are exactly g and g², so every step is
        // lr · g / (|g| + ε): θ_t = θ₀ − t · lr · g / (|g| + ε)
        const double lr = 0.01, eps = 1e-8;
        double[] g = [0.5, -2, 1e-6];
        using var parameter = Parameter(1, 1, 1);
        using var adam = new Adam([parameter], new AdamOptions { LearningRate = lr });

        for (var t = 1; t <= 3; t++)
        {
            // When
            SetGradient(parameter, g);
            adam.Step();

            // Then
            ShouldBeClose(Values(parameter), [.. g.Select(gi => 1 - (t * lr * gi / (Math.Abs(gi) + eps)))]);
        }
    }

    [Fact]
    public void Should_keep_its_moments_as_in_the_paper_When_stepping()
    {
        // Given g₁ = 2, g₂ = −1 and β = (0.9, 0.999): m = 0.2 then −0.08, v = 0.004 then 0.004996
        using var parameter = Parameter(0);
        using var adam = new Adam([parameter]);

        SetGradient(parameter, 2);
        adam.Step();
        SetGradient(parameter, -1);
        adam.Step();

        var state = adam.StateOf(parameter)!;
        state.Step.ShouldBe(2);
        state.TryGetBuffer("exp_avg", out var m).ShouldBeTrue();
        state.TryGetBuffer("exp_avg_sq", out var v).ShouldBeTrue();
        ShouldBeClose(Values(m!), [(0.9 * 0.2) - 0.1]);
        ShouldBeClose(Values(v!), [(0.999 * 0.004) + 0.001]);
        state.TryGetBuffer("max_exp_avg_sq", out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(1e-3, 0.9, 0.999, 1e-8, 0.0, false, false)]
    [InlineData(0.1, 0.5, 0.9, 1e-3, 0.0, false, false)]
    [InlineData(0.05, 0.9, 0.99, 1e-8, 0.1, false, false)]
    [InlineData(0.05, 0.8, 0.95, 1e-6, 0.0, true, false)]
    [InlineData(0.05, 0.9, 0.999, 1e-8, 0.01, true, true)]
    public void Should_match_the_scalar_oracle_When_gradients_vary(
        double lr, double beta1, double beta2, double eps, double weightDecay, bool amsGrad, bool maximize)
    {
        // Given PyTorch 1.13's rule, written element by element
        var m = new double[Start.Length];
        var v = new double[Start.Length];
        var vMax = new double[Start.Length];
        var expected = Oracle((theta, g, i, t) =>
        {
            g = (maximize ? -g : g) + (weightDecay * theta);
            m[i] = (beta1 * m[i]) + ((1 - beta1) * g);
            v[i] = (beta2 * v[i]) + ((1 - beta2) * g * g);
            vMax[i] = Math.Max(vMax[i], v[i]);
            var second = amsGrad ? vMax[i] : v[i];
            var mHat = m[i] / (1 - Math.Pow(beta1, t));
            return theta - (lr * mHat / ((Math.Sqrt(second) / Math.Sqrt(1 - Math.Pow(beta2, t))) + eps));
        });

        // When
        var actual = RunSequence(p => new Adam([p], new AdamOptions
        {
            LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay, AmsGrad = amsGrad, Maximize = maximize,
        }));

        // Then
        ShouldBeClose(actual, expected);
    }

    [Fact]
    public void Should_divide_by_the_largest_second_moment_When_amsgrad_is_set()
    {
        // Given a large gradient then a small one: v falls after step 1 but AMSGrad keeps v₁ = (1 − β₂)·100 = 0.1
        using var parameter = Parameter(0);
        using var adam = new Adam([parameter], new AdamOptions { LearningRate = 0.1, AmsGrad = true });
        SetGradient(parameter, 10);
        adam.Step();
        var afterFirst = Values(parameter)[0];

        // When
        SetGradient(parameter, 0.1);
        adam.Step();

        // Then the max buffer holds v₁ and the step uses it: m₂ = 0.9·1 + 0.01 = 0.91
        var state = adam.StateOf(parameter)!;
        state.TryGetBuffer("max_exp_avg_sq", out var vMax).ShouldBeTrue();
        ShouldBeClose(Values(vMax!), [0.1]);
        state.TryGetBuffer("exp_avg_sq", out var v).ShouldBeTrue();
        Values(v!)[0].ShouldBeLessThan(0.1);
        var bias1 = 1 - (0.9 * 0.9);
        var bias2 = 1 - (0.999 * 0.999);
        var expected = afterFirst - (0.1 / bias1 * 0.91 / ((Math.Sqrt(0.1) / Math.Sqrt(bias2)) + 1e-8));
        ShouldBeClose(Values(parameter), [expected]);
    }

    [Fact]
    public void Should_converge_to_the_minimum_When_minimising_a_quadratic()
    {
        using var parameter = Parameter(5, -3, 0);
        using var adam = new Adam([parameter], new AdamOptions { LearningRate = 0.1 });

        for (var step = 0; step < 600; step++)
        {
            adam.ZeroGrad();
            QuadraticBackward(parameter, [1, 2, -1], [1, 3, 0.5]);
            adam.Step();
        }

        ShouldBeClose(Values(parameter), [1, 2, -1], 1e-3);
    }

    [Theory]
    [InlineData(-0.1, 0.9, 0.999, 1e-8)]
    [InlineData(0.1, 1.0, 0.999, 1e-8)]
    [InlineData(0.1, 0.9, -0.1, 1e-8)]
    [InlineData(0.1, 0.9, 0.999, -1.0)]
    public void Should_reject_options_When_a_value_is_out_of_range(double lr, double beta1, double beta2, double eps)
    {
        using var parameter = Parameter(1);
        Should.Throw<ArgumentException>(() => new Adam([parameter], new AdamOptions { LearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps }));
    }
}
