namespace Bulwark.Evaluation.Tests;

public sealed class RobustAccuracyCurveTests
{
    // four inputs; input 2 is misclassified; the attack breaks nothing at ε0, inputs 1, 2, 3 at ε1
    private static readonly bool[] Correct = [true, true, false, true];
    private static readonly bool[][] Success = [[false, false, true, false], [false, true, true, true]];

    [Fact]
    public void Should_count_a_misclassified_input_as_not_robust_When_the_attack_did_not_break_it()
    {
        // Given: input 2 is misclassified and "unbroken" nowhere; make it unbroken at ε0 to be sure
        using var success = Masks.Rows([[false, false, false, false], [false, true, true, true]]);
        using var correct = Masks.Of(Correct);

        // When
        var curve = RobustAccuracyCurve.From(success, correct, [0.0, 0.3]);

        // Then: robust = correct ∧ ¬success = [1, 1, 0, 1] then [1, 0, 0, 0]
        curve.RobustAccuracy.ShouldBe([0.75, 0.25]);
        curve.CleanAccuracy.ShouldBe(0.75);
    }

    [Fact]
    public void Should_give_robust_accuracy_and_success_rate_per_epsilon_When_given_a_success_matrix()
    {
        // Given
        using var success = Masks.Rows(Success);
        using var correct = Masks.Of(Correct);

        // When
        var curve = RobustAccuracyCurve.From(success, correct, [0.1, 0.2]);

        // Then: success over the three correct inputs: none at ε0; inputs 1 and 3 at ε1
        curve.Epsilons.ShouldBe([0.1, 0.2]);
        curve.RobustAccuracy.ShouldBe([0.75, 0.25]);
        curve.SuccessRate.ShouldBe([0.0, 2.0 / 3.0]);
        curve.Correct.ShouldBe(3);
        curve.Total.ShouldBe(4);
        curve.At(0.2).ShouldBe(0.25);
    }

    [Fact]
    public void Should_break_an_input_whose_norm_is_at_most_epsilon_When_the_curve_comes_from_minimum_norms()
    {
        // Given: norms 0.1, 0.2, 0 (misclassified), +∞ (attack failed)
        using var norms = Masks.Values(0.1, 0.2, 0, double.PositiveInfinity);
        using var correct = Masks.Of(Correct);

        // When
        var curve = RobustAccuracyCurve.FromNorms(norms, correct, [0.0, 0.1, 0.15, 0.2, 1e9]);

        // Then
        curve.RobustAccuracy.ShouldBe([0.75, 0.5, 0.5, 0.25, 0.25]);
        curve.SuccessRate.ShouldBe([0.0, 1.0 / 3.0, 1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0]);
    }

    [Fact]
    public void Should_report_no_success_rate_When_no_input_was_correct()
    {
        // Given
        using var success = Masks.Rows([[true, false]]);
        using var correct = Masks.Of(false, false);

        // When
        var curve = RobustAccuracyCurve.From(success, correct, [0.5]);

        // Then
        curve.RobustAccuracy.ShouldBe([0.0]);
        curve.SuccessRate.ShouldBe([(double?)null]);
    }

    [Fact]
    public void Should_throw_When_the_success_rows_do_not_match_the_epsilons()
    {
        // Given
        using var success = Masks.Rows(Success);
        using var correct = Masks.Of(Correct);

        // When / Then
        Should.Throw<ArgumentException>(() => RobustAccuracyCurve.From(success, correct, [0.1]));
        Should.Throw<ArgumentException>(() => RobustAccuracyCurve.From(success, correct, [0.1, 0.2]).At(0.3));
    }

    [Fact]
    public void Should_throw_When_the_correctness_mask_has_another_length()
    {
        // Given
        using var success = Masks.Rows(Success);
        using var correct = Masks.Of(true, true, false);

        // When / Then
        Should.Throw<ArgumentException>(() => RobustAccuracyCurve.From(success, correct, [0.1, 0.2]));
    }
}
