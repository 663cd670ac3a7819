using Bulwark.Torch.Optim;
using static Bulwark.Torch.Tests.Optim.OptimTestKit;

namespace Bulwark.Torch.Tests.Optim;

public sealed class RMSpropTests
{
    [Fact]
    public void Should_scale_by_the_running_root_mean_square_When_the_gradient_is_constant()
    {
        // Given a constant g, s_t = (1 − αᵗ)·g², so step t moves θ by lr·g / (√(1 − αᵗ)·|g| + ε)
        const double lr = 0.01, alpha = 0.99, eps = 1e-8;
        double[] g = [0.5, -2];
        using var parameter = Parameter(0, 0);
        using var rmsprop = new RMSprop([parameter]);
        var expected = new double[2];

        for (var t = 1; t <= 3; t++)
        {
            SetGradient(parameter, g);
            rmsprop.Step();
            for (var i = 0; i < 2; i++)
            {
                expected[i] -= lr * g[i] / ((Math.Sqrt(1 - Math.Pow(alpha, t)) * Math.Abs(g[i])) + eps);
            }

            ShouldBeClose(Values(parameter), expected);
        }
    }

    [Fact]
    public void Should_divide_by_the_standard_deviation_When_centered()
    {
        // Given a constant g: s_t = (1 − αᵗ)g², a_t = (1 − αᵗ)g, so s − a² = αᵗ(1 − αᵗ)g²
        const double lr = 0.1, alpha = 0.9, eps = 1e-8, g = 2;
        using var parameter = Parameter(0);
        using var rmsprop = new RMSprop([parameter], new RMSpropOptions { LearningRate = lr, Alpha = alpha, Centered = true });
        var expected = 0.0;

        for (var t = 1; t <= 3; t++)
        {
            SetGradient(parameter, g);
            rmsprop.Step();
            var a = Math.Pow(alpha, t);
            expected -= lr * g / ((Math.Sqrt(a * (1 - a)) * g) + eps);
            ShouldBeClose(Values(parameter), [expected]);
        }

        rmsprop.StateOf(parameter)!.TryGetBuffer("grad_avg", out var gradAvg).ShouldBeTrue();
        ShouldBeClose(Values(gradAvg!), [(1 - Math.Pow(alpha, 3)) * g]);
    }

    [Theory]
    [InlineData(0.01, 0.99, 1e-8, 0.0, 0.0, false)]
    [InlineData(0.05, 0.9, 1e-3, 0.0, 0.9, false)]
    [InlineData(0.05, 0.9, 1e-6, 0.1, 0.0, true)]
    [InlineData(0.02, 0.95, 1e-8, 0.01, 0.5, true)]
    public void Should_match_the_scalar_oracle_When_gradients_vary(
        double lr, double alpha, double eps, double weightDecay, double momentum, bool centered)
    {
        // Given PyTorch 1.13's rule, written element by element
        var s = new double[Start.Length];
        var a = new double[Start.Length];
        var b = new double[Start.Length];
        var expected = Oracle((theta, g, i, t) =>
        {
            g += weightDecay * theta;
            s[i] = (alpha * s[i]) + ((1 - alpha) * g * g);
            a[i] = (alpha * a[i]) + ((1 - alpha) * g);
            var denominator = Math.Sqrt(centered ? s[i] - (a[i] * a[i]) : s[i]) + eps;
            if (momentum > 0)
            {
                b[i] = (momentum * b[i]) + (g / denominator);
                return theta - (lr * b[i]);
            }

            return theta - (lr * g / denominator);
        });

        // When
        var actual = RunSequence(p => new RMSprop([p], new RMSpropOptions
        {
            LearningRate = lr, Alpha = alpha, Eps = eps, WeightDecay = weightDecay, Momentum = momentum, Centered = centered,
        }));

        // Then
        ShouldBeClose(actual, expected, 1e-12);
    }

    [Fact]
    public void Should_converge_to_the_minimum_When_minimising_a_quadratic()
    {
        using var parameter = Parameter(5, -3, 0);
        using var rmsprop = new RMSprop([parameter], new RMSpropOptions { LearningRate = 0.01, Momentum = 0.5 });

        for (var step = 0; step < 1500; step++)
        {
            rmsprop.ZeroGrad();
            QuadraticBackward(parameter, [1, 2, -1], [1, 3, 0.5]);
            rmsprop.Step();
        }

        ShouldBeClose(Values(parameter), [1, 2, -1], 1e-2);
    }
}
