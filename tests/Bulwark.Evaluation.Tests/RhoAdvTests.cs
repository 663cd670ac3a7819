using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation.Tests;

public sealed class RhoAdvTests
{
    // x0 correct and broken, x1 misclassified, x2 correct and broken, x3 correct but the attack failed
    private static Tensor Inputs() => Torch.Torch.FromArray(new double[] { 3, 4, 0, 2, 1, 0, 0, 1 }, 4, 2);

    private static Tensor Perturbations() => Torch.Torch.FromArray(new double[] { 0.5, 0, 0, 1, 0.2, 0, 0.7, 0 }, 4, 2);

    [Fact]
    public void Should_average_over_correct_and_successful_inputs_and_over_all_inputs_When_measuring_in_l2()
    {
        // Given: ‖r‖₂/‖x‖₂ = 0.5/5, 1/2, 0.2/1, 0.7/1
        using var scope = TensorScope.Begin();
        var x = Inputs();
        var adversarials = x.Add(Perturbations());
        var correct = Masks.Of(true, false, true, true);
        var success = Masks.Of(true, true, true, false);

        // When
        var rho = RhoAdv.From(x, adversarials, correct, success);

        // Then: (a) (0.1 + 0.2)/2; (b) (0.1 + 0 + 0.2 + 0.7)/4 — the failed input counts its returned perturbation
        rho.Norm.ShouldBe("l2");
        rho.OverSuccessful!.Value.ShouldBe(0.15, 1e-15);
        rho.OverAll.ShouldBe(0.25, 1e-15);
        rho.Successful.ShouldBe(2);
        rho.Correct.ShouldBe(3);
        rho.Total.ShouldBe(4);
    }

    [Fact]
    public void Should_measure_both_norms_in_the_given_norm_When_a_norm_is_given()
    {
        // Given: ‖r‖∞/‖x‖∞ = 0.5/4, 1/2, 0.2/1, 0.7/1
        using var scope = TensorScope.Begin();
        var x = Inputs();
        var adversarials = x.Add(Perturbations());
        var correct = Masks.Of(true, false, true, true);
        var success = Masks.Of(true, true, true, false);

        // When
        var rho = RhoAdv.From(x, adversarials, correct, success, Norm.Linf);

        // Then
        rho.Norm.ShouldBe("linf");
        rho.OverSuccessful!.Value.ShouldBe((0.125 + 0.2) / 2, 1e-15);
        rho.OverAll.ShouldBe((0.125 + 0.2 + 0.7) / 4, 1e-15);
    }

    [Fact]
    public void Should_report_no_first_convention_When_no_correct_input_was_broken()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Inputs();
        var adversarials = x.Add(Perturbations());

        // When
        var rho = RhoAdv.From(x, adversarials, Masks.Of(false, false, false, true), Masks.Of(true, true, true, false));

        // Then
        rho.OverSuccessful.ShouldBeNull();
        rho.OverAll.ShouldBe(0.7 / 4, 1e-15);
    }

    [Fact]
    public void Should_equal_the_whole_When_combining_disjoint_parts()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Inputs();
        var adversarials = x.Add(Perturbations());
        var correct = Masks.Of(true, false, true, true);
        var success = Masks.Of(true, true, true, false);
        var whole = RhoAdv.From(x, adversarials, correct, success);

        // When: the first input, then the other three
        var combined = RhoAdv.Combine([
            RhoAdv.From(x.Narrow(0, 0, 1), adversarials.Narrow(0, 0, 1), correct.Narrow(0, 0, 1), success.Narrow(0, 0, 1)),
            RhoAdv.From(x.Narrow(0, 1, 3), adversarials.Narrow(0, 1, 3), correct.Narrow(0, 1, 3), success.Narrow(0, 1, 3)),
        ]);

        // Then
        combined.OverSuccessful!.Value.ShouldBe(whole.OverSuccessful!.Value, 1e-15);
        combined.OverAll.ShouldBe(whole.OverAll, 1e-15);
        (combined with { OverSuccessful = whole.OverSuccessful, OverAll = whole.OverAll }).ShouldBe(whole);
    }

    [Fact]
    public void Should_throw_When_the_adversarials_have_another_shape()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Inputs();

        // When / Then
        Should.Throw<ArgumentException>(() => RhoAdv.From(x, x.Narrow(0, 0, 3), Masks.Of(true, true, true, true), Masks.Of(true, true, true, true)));
    }
}
