using Bulwark.Torch.Optim;
using static Bulwark.Torch.Tests.Optim.OptimTestKit;

namespace Bulwark.Torch.Tests.Optim;

public sealed class SGDTests
{
    [Fact]
    public void Should_step_against_the_gradient_When_there_is_no_momentum()
    {
        // Given θ = [1, −2], g = [0.5, −4], lr = 0.1
        using var parameter = Parameter(1, -2);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 0.1 });
        SetGradient(parameter, 0.5, -4);

        // When
        sgd.Step();

        // Then θ − lr·g, worked by hand
        ShouldBeClose(Values(parameter), [0.95, -1.6]);
    }

    [Fact]
    public void Should_accumulate_momentum_When_momentum_is_set()
    {
        // Given a constant gradient 1 from θ = 1 with lr 0.1 and μ 0.9:
        // b = 1, 1.9, 2.71 and θ = 0.9, 0.71, 0.439 (by hand; the first buffer is the raw gradient)
        using var parameter = Parameter(1);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 0.1, Momentum = 0.9 });
        var expected = new[] { 0.9, 0.71, 0.439 };

        foreach (var value in expected)
        {
            SetGradient(parameter, 1);
            sgd.Step();
            ShouldBeClose(Values(parameter), [value]);
        }

        Values(sgd.StateOf(parameter)!.Buffers.Single().Value).ShouldBe([2.71], tolerance: 1e-15);
    }

    [Fact]
    public void Should_look_ahead_When_nesterov_is_set()
    {
        // Given g = 1 constantly, μ = 0.9, lr = 0.1: b = 1 then 1.9; d = g + μb = 1.9 then 2.71
        using var parameter = Parameter(1);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 0.1, Momentum = 0.9, Nesterov = true });

        SetGradient(parameter, 1);
        sgd.Step();
        ShouldBeClose(Values(parameter), [1 - 0.19]);

        SetGradient(parameter, 1);
        sgd.Step();
        ShouldBeClose(Values(parameter), [1 - 0.19 - 0.271]);
    }

    [Fact]
    public void Should_dampen_later_gradients_but_not_the_first_When_dampening_is_set()
    {
        // Given g = 1 constantly, μ = 0.5, τ = 0.5, lr = 1: b₁ = 1 (undampened), b₂ = 0.5 + 0.5 = 1, b₃ = 1
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 1, Momentum = 0.5, Dampening = 0.5 });

        for (var step = 1; step <= 3; step++)
        {
            SetGradient(parameter, 1);
            sgd.Step();
            ShouldBeClose(Values(parameter), [-step]);
        }
    }

    [Fact]
    public void Should_add_decay_to_the_gradient_When_weight_decay_is_set()
    {
        // Given θ = 2, g = 1, λ = 0.5, lr = 0.1: d = 1 + 0.5·2 = 2, θ = 1.8
        using var parameter = Parameter(2);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 0.1, WeightDecay = 0.5 });
        SetGradient(parameter, 1);

        sgd.Step();

        ShouldBeClose(Values(parameter), [1.8]);
    }

    [Fact]
    public void Should_step_along_the_gradient_When_maximizing()
    {
        using var parameter = Parameter(1);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 0.1, Maximize = true });
        SetGradient(parameter, 2);

        sgd.Step();

        ShouldBeClose(Values(parameter), [1.2]);
    }

    [Theory]
    [InlineData(0.0, 0.0, false, 0.0)]
    [InlineData(0.9, 0.0, false, 0.0)]
    [InlineData(0.9, 0.3, false, 0.01)]
    [InlineData(0.8, 0.0, true, 0.05)]
    public void Should_match_the_scalar_oracle_When_gradients_vary(double momentum, double dampening, bool nesterov, double weightDecay)
    {
        // Given PyTorch 1.13's rule, written element by element
        const double lr = 0.05;
        var buffer = new double?[Start.Length];
        var expected = Oracle((theta, g, i, t) =>
        {
            var d = g + (weightDecay * theta);
            if (momentum != 0)
            {
                buffer[i] = buffer[i] is { } b ? (momentum * b) + ((1 - dampening) * d) : d;
                d = nesterov ? d + (momentum * buffer[i]!.Value) : buffer[i]!.Value;
            }

            return theta - (lr * d);
        });

        // When
        var actual = RunSequence(p => new SGD([p], new SGDOptions
        {
            LearningRate = lr, Momentum = momentum, Dampening = dampening, Nesterov = nesterov, WeightDecay = weightDecay,
        }));

        // Then
        ShouldBeClose(actual, expected);
    }

    [Fact]
    public void Should_reject_nesterov_When_dampening_is_set()
    {
        using var parameter = Parameter(1);
        Should.Throw<ArgumentException>(() => new SGD([parameter], new SGDOptions { Momentum = 0.9, Dampening = 0.1, Nesterov = true }))
            .Message.ShouldContain("Nesterov");
    }

    [Fact]
    public void Should_converge_to_the_minimum_When_minimising_a_quadratic()
    {
        using var parameter = Parameter(5, -3, 0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 0.05, Momentum = 0.9, Nesterov = true });

        for (var step = 0; step < 300; step++)
        {
            sgd.ZeroGrad();
            QuadraticBackward(parameter, [1, 2, -1], [1, 3, 0.5]);
            sgd.Step();
        }

        ShouldBeClose(Values(parameter), [1, 2, -1], 1e-8);
    }
}
