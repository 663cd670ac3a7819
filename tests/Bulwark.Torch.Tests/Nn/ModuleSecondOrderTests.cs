using Bulwark.Torch.Models;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// Double backpropagation through a module, as the input-gradient regularizer needs it: the gradient with respect
/// to the parameters of R(θ) = ‖∂L/∂x‖² for a small conv net, against central finite differences in θ.
/// </summary>
public sealed class ModuleSecondOrderTests
{
    private const double Step = 1e-6;

    /// <summary>Conv → ReLU → max-pool → linear, in float64, with seeded weights so the check is repeatable.</summary>
    private static Sequential TinyConvNet(Generator generator)
    {
        var model = new Sequential(new Conv2d(1, 2, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(2 * 2 * 2, 3));
        model.To(DType.Float64);
        using var noGrad = Autograd.NoGrad();
        foreach (var parameter in model.Parameters())
        {
            using var values = Torch.Randn(parameter.Shape, generator, DType.Float64);
            using var scaled = values * 0.5;
            parameter.Copy_(scaled);
        }

        return model;
    }

    /// <summary>R = ‖∂L/∂x‖² with L the summed cross-entropy; the graph is kept when <paramref name="createGraph"/>.</summary>
    private static Tensor InputGradientNorm(Module model, Tensor x, Tensor labels, bool createGraph)
    {
        using var input = x.Detach().RequiresGrad_();
        using var logits = model.Forward(input);
        using var loss = Functional.CrossEntropy(logits, labels, Reduction.Sum);
        using var gradient = Autograd.Grad(loss, input, createGraph: createGraph);
        using var squares = gradient.Square();
        return squares.Sum();
    }

    [Fact]
    public void Should_match_finite_differences_When_the_input_gradient_norm_is_differentiated_by_the_parameters()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(81);
        using var model = TinyConvNet(generator);
        var x = Torch.Randn([2, 1, 6, 6], generator, DType.Float64);
        var labels = Torch.TensorOf(0L, 2L);
        var parameters = model.Parameters().ToList();

        // When: double backprop
        var penalty = InputGradientNorm(model, x, labels, createGraph: true);
        var analytical = Autograd.Grad([penalty], parameters, allowUnused: true);

        // Then: every entry of every parameter against (R(θ + h·eᵢ) − R(θ − h·eᵢ)) / 2h
        for (var p = 0; p < parameters.Count; p++)
        {
            var parameter = parameters[p];
            var values = parameter.ToArray<double>();
            // ∂L/∂x does not depend on the last bias at all, so autograd may report no gradient: that is zero
            var gradient = analytical[p]?.ToArray<double>() ?? new double[values.Length];
            gradient.ShouldAllBe(g => double.IsFinite(g));
            for (var i = 0; i < values.Length; i++)
            {
                var numerical = (PenaltyAt(model, parameter, values, i, +Step, x, labels) -
                                 PenaltyAt(model, parameter, values, i, -Step, x, labels)) / (2 * Step);
                Math.Abs(gradient[i] - numerical).ShouldBeLessThanOrEqualTo(1e-5 + 1e-4 * Math.Abs(numerical),
                    $"{model.NamedParameters().ElementAt(p).Key}[{i}]: analytical {gradient[i]:R}, numerical {numerical:R}");
            }

            SetValues(parameter, values);
        }
    }

    [Fact]
    public void Should_give_finite_parameter_gradients_When_the_input_gradient_norm_of_lenet5_is_differentiated()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(82);
        using var model = ModelZoo.LeNet5();
        var x = Torch.Rand([4, 1, 28, 28], generator);
        var labels = Torch.TensorOf(1L, 3L, 5L, 7L);

        // When
        var penalty = InputGradientNorm(model, x, labels, createGraph: true);
        var gradients = Autograd.Grad([penalty], model.Parameters().ToList(), allowUnused: true);

        // Then: every layer but the last bias takes part, and nothing overflows
        gradients.Count(g => g is null).ShouldBeLessThanOrEqualTo(1);
        foreach (var gradient in gradients.OfType<Tensor>())
        {
            gradient.IsFinite().All().ToBoolean().ShouldBeTrue();
        }

        gradients[0].ShouldNotBeNull().Abs().Sum().ToDouble().ShouldBeGreaterThan(0);
    }

    private static double PenaltyAt(Module model, Tensor parameter, double[] values, int index, double offset, Tensor x, Tensor labels)
    {
        var moved = (double[])values.Clone();
        moved[index] += offset;
        SetValues(parameter, moved);
        using var penalty = InputGradientNorm(model, x, labels, createGraph: false);
        return penalty.ToDouble();
    }

    private static void SetValues(Tensor parameter, double[] values)
    {
        using var noGrad = Autograd.NoGrad();
        using var source = Torch.FromArray(values, parameter.Shape);
        parameter.Copy_(source);
    }
}
