using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

// Inside Bulwark.*, a bare `Torch` names the namespace Bulwark.Torch; this names the class.
using Torch = Bulwark.Torch.Torch;

/// <summary>
/// CE + λ·mean_i ‖∂CE_i/∂x_i‖² against oracles: the value against per-sample input gradients taken one sample at a
/// time, the parameter gradient (a double backprop) against central differences, both in float64 on a smooth tiny net.
/// </summary>
public sealed class InputGradientPenaltyTests
{
    private const double Lambda = 0.5;
    private static readonly long[] Labels = [0, 2, 1, 2];

    [Theory]
    [InlineData(0.01)]
    [InlineData(Lambda)]
    public void Should_EqualCrossEntropyPlusLambdaTimesTheMeanSquaredInputGradientNorm_When_ComputedOneSampleAtATime(double lambda)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        var crossEntropies = new List<double>();
        var squaredNorms = new List<double>();
        for (var i = 0; i < Labels.Length; i++)
        {
            var x = inputs.Narrow(0, i, 1).Detach().RequiresGrad_();
            var loss = Functional.CrossEntropy(model.Forward(x), labels.Narrow(0, i, 1));
            var gradient = Autograd.Grad(loss, x);
            crossEntropies.Add(loss.ToDouble());
            squaredNorms.Add(gradient.ToArray<double>().Sum(g => g * g));
        }

        var expected = crossEntropies.Average() + lambda * squaredNorms.Average();

        // When
        var actual = new InputGradientPenalty(lambda).Compute(model, inputs, labels).Loss.ToDouble();

        // Then
        squaredNorms.Min().ShouldBeGreaterThan(1e-3, "the penalty must not vanish, or the check proves nothing");
        actual.ShouldBe(expected, tolerance: 1e-12 * Math.Abs(expected));
    }

    [Fact]
    public void Should_HaveTheParameterGradientOfCentralDifferences_When_DifferentiatedThroughTheInputGradient()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        var objective = new InputGradientPenalty(Lambda);
        var loss = objective.Compute(model, inputs, labels).Loss;
        loss.Backward();
        var crossEntropyOnly = new CrossEntropyObjective().Compute(model, inputs, labels).Loss;
        var parameters = model.NamedParameters().ToList();
        var crossEntropyGradients = Autograd.Grad([crossEntropyOnly], [.. parameters.Select(p => p.Value)]);

        // When
        var largest = ParameterGradients.ShouldMatchCentralDifferences(model, () => objective.Compute(model, inputs, labels).Loss.ToDouble());

        // Then
        largest.ShouldBeGreaterThan(1e-3);
        var largestPenaltyShare = parameters.Select((p, k) => p.Value.Grad!.ToArray<double>()
            .Zip(crossEntropyGradients[k]!.ToArray<double>(), (a, b) => Math.Abs(a - b)).Max()).Max();
        largestPenaltyShare.ShouldBeGreaterThan(1e-3, "the penalty's own gradient must count, or the check proves nothing");
    }

    /// <summary>Flatten → Linear(6, 5) → tanh → Linear(5, 3), float64: smooth, so its second derivatives are not zero.</summary>
    private static Sequential TinyNet()
    {
        Torch.ManualSeed(17);
        var model = new Sequential(new Flatten(), new Linear(6, 5), new TanhLayer(), new Linear(5, 3));
        model.To(DType.Float64);
        return model;
    }

    /// <summary>Four 1×2×3 images, values of order 1, with their labels.</summary>
    private static (Tensor Inputs, Tensor Labels) Batch()
    {
        using var generator = new Generator(23);
        return (Torch.Randn([Labels.Length, 1, 2, 3], generator, DType.Float64).Mul(2.0), Torch.FromArray(Labels, Labels.Length));
    }
}
