using Bulwark.TestKit;

namespace Bulwark.Torch.Tests;

/// <summary>
/// The oracle itself must be able to fail: a function that hides part of its dependence on x from autograd
/// (through Detach) has a wrong analytical gradient, and the checks must say so.
/// </summary>
public sealed class GradCheckTests
{
    [Fact]
    public void Should_report_a_mismatch_When_the_analytical_gradient_is_wrong()
    {
        // Given: f(x) = x.detach() · x, so autograd sees df/dx = x while the truth is 2x
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new[] { 0.5, -1.0, 2.0 }, 3);

        // When
        var result = GradCheck.FirstOrder(inputs => inputs[0].Detach() * inputs[0], x);

        // Then
        result.Passed.ShouldBeFalse();
        result.FailureCount.ShouldBe(3);
        result.Failures.Count.ShouldBe(3);
        result.Failures[0].ShouldContain("input 0 at [0]");
    }

    [Fact]
    public void Should_report_a_mismatch_When_the_second_derivative_is_wrong()
    {
        // Given: f(x) = x.detach() · x³; autograd's gradient g = 3·x_d·x² keeps x_d = x constant, so the
        // gradient of g it builds is 6·x_d·x = 6x², while g as a function of x, 3x³, has derivative 9x²
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new[] { 0.5, -1.0, 1.5 }, 3);

        // When
        var result = GradCheck.SecondOrder(inputs => inputs[0].Detach() * inputs[0].Pow(3), x);

        // Then
        result.Passed.ShouldBeFalse();
    }

    [Fact]
    public void Should_pass_with_a_tiny_error_When_the_gradient_is_right()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new[] { 0.5, -1.0, 2.0 }, 3);

        // When
        var result = GradCheck.FirstOrder(inputs => inputs[0] * inputs[0], x);

        // Then
        result.Passed.ShouldBeTrue(result.ToString());
        result.ElementsChecked.ShouldBe(3);
        result.MaxAbsoluteError.ShouldBeLessThan(1e-7);
    }

    [Fact]
    public void Should_reject_float32_inputs_When_asked_to_check_them()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones(3);

        // When / Then
        Should.Throw<ArgumentException>(() => GradCheck.FirstOrder(inputs => inputs[0], x)).Message.ShouldContain("float64");
    }

    [Fact]
    public void Should_leave_the_inputs_unchanged_When_checking()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new[] { 0.5, -1.0, 2.0 }, 3);

        // When
        GradCheck.FirstOrder(inputs => inputs[0].Exp(), x);

        // Then
        x.ToArray<double>().ShouldBe([0.5, -1.0, 2.0]);
        x.RequiresGrad.ShouldBeFalse();
    }
}
