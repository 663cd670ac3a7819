using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation.Tests;

public sealed class SanityChecksTests
{
    /// <summary>Two classes split by the mean value at 0.5: smooth, every input reachable across the split inside the box.</summary>
    private static Tensor MeanSplit(Tensor inputs)
    {
        using var scope = TensorScope.Begin();
        var mean = inputs.Flatten(1).Mean(1);
        return scope.Keep(Torch.Torch.Stack([mean.Sub(0.5), mean.Neg().Add(0.5)], 1));
    }

    /// <summary>The same split on the rounded input: constant between rounding steps, so its gradient is zero everywhere.</summary>
    private static Tensor RoundedMeanSplit(Tensor inputs)
    {
        using var scope = TensorScope.Begin();
        return scope.Keep(MeanSplit(inputs.Mul(4).Round().Div(4)));
    }

    /// <summary>The same split plus Σ√(x − x): the value adds 0, its gradient is ∞ − ∞ = NaN.</summary>
    private static Tensor NaNGradientSplit(Tensor inputs)
    {
        using var scope = TensorScope.Begin();
        var zero = inputs.Sub(inputs).Sqrt().Flatten(1).Sum(1).Unsqueeze(1);
        return scope.Keep(MeanSplit(inputs).Add(zero));
    }

    private static (Tensor Inputs, Tensor Labels) Data(Func<Tensor, Tensor> logits)
    {
        using var generator = new Generator(5);
        using var scope = TensorScope.Begin();
        // means well inside (0.3, 0.7) and away from the rounding steps' split
        var inputs = Torch.Torch.Rand([12, 1, 4, 4], generator, DType.Float32).Mul(0.2).Add(0.2);
        var shift = Torch.Torch.FromArray(Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? 0f : 0.45f).ToArray(), 12, 1, 1, 1);
        inputs = inputs.Add(shift);
        var labels = logits(inputs).Argmax(1);
        return (scope.Release(inputs), scope.Release(labels));
    }

    [Fact]
    public void Should_warn_of_zero_gradients_at_every_input_When_the_model_rounds_its_input()
    {
        // Given
        var (x, y) = Data(RoundedMeanSplit);
        using var _ = x;
        using var __ = y;

        // When
        var warnings = SanityChecks.Gradients(Classifiers.Model(RoundedMeanSplit), x, y);

        // Then
        warnings.Select(w => w.Code).ShouldBe(["zero-gradient"]);
        warnings[0].Message.ShouldContain("12 of 12");
    }

    [Fact]
    public void Should_warn_of_nan_gradients_When_the_gradient_is_infinity_minus_infinity()
    {
        var (x, y) = Data(NaNGradientSplit);
        using var _ = x;
        using var __ = y;

        var warnings = SanityChecks.Gradients(Classifiers.Model(NaNGradientSplit), x, y);

        warnings.Select(w => w.Code).ShouldBe(["nan-gradient"]);
    }

    [Fact]
    public void Should_not_warn_about_gradients_When_the_model_is_smooth()
    {
        var (x, y) = Data(MeanSplit);
        using var _ = x;
        using var __ = y;

        SanityChecks.Gradients(Classifiers.Model(MeanSplit), x, y).ShouldBeEmpty();
    }

    [Fact]
    public void Should_warn_that_an_unbounded_attack_is_not_total_When_gradients_vanish()
    {
        // Given: BIM cannot move where the gradient is zero, although the whole box is within reach
        var (x, y) = Data(RoundedMeanSplit);
        using var _ = x;
        using var __ = y;
        var bim = new ProjectedGradientDescent(Norm.Linf, new PgdOptions { Steps = 10, RandomStart = false });

        // When
        var masked = SanityChecks.Unbounded(bim, Classifiers.Model(RoundedMeanSplit), x, y);
        var smooth = SanityChecks.Unbounded(bim, Classifiers.Model(MeanSplit), x, y);

        // Then
        masked.Select(w => w.Code).ShouldBe(["unbounded-not-total"]);
        smooth.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("linf", 1.0)]
    [InlineData("l2", 4.0)]
    [InlineData("l1", 16.0)]
    public void Should_give_the_radius_of_the_far_corner_When_asked_for_an_unbounded_epsilon(string norm, double expected)
    {
        // 16 values in the unit box: the far corner is 1 away in ℓ∞, √16 in ℓ2, 16 in ℓ1
        SanityChecks.UnboundedEpsilon(Norm.Parse(norm), Bounds.Unit, 16).ShouldBe(expected, 1e-12);
    }

    [Fact]
    public void Should_warn_only_on_rising_curves_When_checking_monotonicity()
    {
        double[] epsilons = [0, 0.1, 0.2, 0.3];

        SanityChecks.Monotonic("a", epsilons, [0.9, 0.5, 0.6, 0.1]).Single().Code.ShouldBe("non-monotonic");
        SanityChecks.Monotonic("a", epsilons, [0.9, 0.5, 0.5, 0.1]).ShouldBeEmpty();
        // the order of the list does not matter, only ε
        SanityChecks.Monotonic("a", [0.3, 0, 0.1], [0.1, 0.9, 0.5]).ShouldBeEmpty();
    }

    [Fact]
    public void Should_warn_When_robust_accuracy_at_epsilon_zero_is_not_the_clean_accuracy()
    {
        SanityChecks.EpsilonZero("a", [0, 0.1], [0.8, 0.5], cleanAccuracy: 0.9).Single().Code.ShouldBe("eps-zero-accuracy");
        SanityChecks.EpsilonZero("a", [0, 0.1], [0.9, 0.5], cleanAccuracy: 0.9).ShouldBeEmpty();
    }

    [Fact]
    public void Should_warn_When_noise_leaves_fewer_inputs_robust_than_the_gradient_attacks()
    {
        SanityChecks.NoiseBeatsGradient("noise", [0, 1], [0.9, 0.3], [0.9, 0.5]).Single().Code.ShouldBe("noise-beats-gradient");
        SanityChecks.NoiseBeatsGradient("noise", [0, 1], [0.9, 0.7], [0.9, 0.5]).ShouldBeEmpty();
        Should.Throw<ArgumentException>(() => SanityChecks.NoiseBeatsGradient("noise", [0, 1], [0.9], [0.9, 0.5]));
    }
}
