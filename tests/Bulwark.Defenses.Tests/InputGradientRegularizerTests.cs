using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

// Inside Bulwark.*, a bare `Torch` names the namespace Bulwark.Torch; this names the class.
using Torch = Bulwark.Torch.Torch;

/// <summary>
/// The input-gradient penalty in both conventions against oracles: values against input gradients taken one sample
/// at a time, the conversion between the two λs, and parameter gradients (a double backprop) against central
/// differences, all in float64 on a smooth tiny net.
/// </summary>
public sealed class InputGradientRegularizerTests
{
    private const double Lambda = 0.5;
    private static readonly long[] Labels = [0, 2, 1, 2];

    [Theory]
    [InlineData(0.01, InputGradientConvention.PerSample)]
    [InlineData(Lambda, InputGradientConvention.PerSample)]
    [InlineData(Lambda, InputGradientConvention.Reference)]
    [InlineData(30.0, InputGradientConvention.Reference)]
    public void Should_EqualCrossEntropyPlusLambdaTimesTheConventionsNorm_When_GradientsAreTakenOneSampleAtATime(
        double lambda, InputGradientConvention convention)
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

        var batch = Labels.Length;
        var penalty = convention == InputGradientConvention.PerSample
            ? squaredNorms.Average()
            : 0.5 * squaredNorms.Sum() / (batch * batch);
        var expected = crossEntropies.Average() + lambda * penalty;

        // When
        var actual = new InputGradientRegularizer(lambda, convention).Compute(model, inputs, labels).Loss.ToDouble();

        // Then
        squaredNorms.Min().ShouldBeGreaterThan(1e-3, "the penalty must not vanish, or the check proves nothing");
        actual.ShouldBe(expected, tolerance: 1e-12 * Math.Abs(expected));
    }

    [Fact]
    public void Should_GiveTheSameLoss_When_TheReferenceLambdaIsConvertedToThePerSampleOneForTheBatchSize()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        const double referenceLambda = 40;
        var perSampleLambda = InputGradientRegularizer.PerSampleWeight(referenceLambda, Labels.Length);

        // When
        var reference = new InputGradientRegularizer(referenceLambda, InputGradientConvention.Reference).Compute(model, inputs, labels).Loss.ToDouble();
        var perSample = new InputGradientRegularizer(perSampleLambda, InputGradientConvention.PerSample).Compute(model, inputs, labels).Loss.ToDouble();
        var plainCrossEntropy = new CrossEntropyObjective().Compute(model, inputs, labels).Loss.ToDouble();

        // Then
        perSampleLambda.ShouldBe(referenceLambda / (2 * Labels.Length), tolerance: 1e-15);
        InputGradientRegularizer.ReferenceWeight(perSampleLambda, Labels.Length).ShouldBe(referenceLambda, tolerance: 1e-12);
        perSample.ShouldBe(reference, tolerance: 1e-12 * reference);
        (reference - plainCrossEntropy).ShouldBeGreaterThan(1e-2 * reference, "the penalty must count in the compared losses");
    }

    [Fact]
    public void Should_AgreeAtTheReferenceBatchSize_When_BothConventionsUseTheirDefaults()
    {
        // Given
        var reference = new InputGradientRegularizer(convention: InputGradientConvention.Reference);
        var perSample = new InputGradientRegularizer();

        // Then: the paper's chosen MNIST λ = 10^4.75, and λ' = λ/(2·256).
        reference.Weight.ShouldBe(56234.13, tolerance: 0.01);
        perSample.Weight.ShouldBe(InputGradientRegularizer.PerSampleWeight(reference.Weight, 256), tolerance: 1e-12);
        perSample.Weight.ShouldBe(109.83, tolerance: 0.01);
    }

    [Theory]
    [InlineData(InputGradientConvention.PerSample)]
    [InlineData(InputGradientConvention.Reference)]
    public void Should_HaveTheParameterGradientOfCentralDifferences_When_DifferentiatedThroughTheInputGradient(InputGradientConvention convention)
    {
        // Given: the reference convention divides by B², so its λ is scaled up to keep the penalty's share comparable.
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        var lambda = convention == InputGradientConvention.Reference ? InputGradientRegularizer.ReferenceWeight(Lambda, Labels.Length) : Lambda;
        var objective = new InputGradientRegularizer(lambda, convention);
        objective.Compute(model, inputs, labels).Loss.Backward();
        var crossEntropyOnly = new CrossEntropyObjective().Compute(model, inputs, labels).Loss;
        var parameters = model.Parameters().ToList();
        var crossEntropyGradients = Autograd.Grad([crossEntropyOnly], parameters);

        // When
        var largest = ParameterGradients.ShouldMatchCentralDifferences(model, () => objective.Compute(model, inputs, labels).Loss.ToDouble());

        // Then
        largest.ShouldBeGreaterThan(1e-3);
        var largestPenaltyShare = parameters.Select((p, k) => p.Grad!.ToArray<double>()
            .Zip(crossEntropyGradients[k]!.ToArray<double>(), (a, b) => Math.Abs(a - b)).Max()).Max();
        largestPenaltyShare.ShouldBeGreaterThan(1e-3, "the penalty's own gradient must count, or the check proves nothing");
    }

    [Fact]
    public void Should_BuildTheReferenceConvention_When_CreatedByNameAsReferenceCompatible()
    {
        // When
        var reference = (InputGradientRegularizer)Objectives.Objectives.Create("input-gradient", new ObjectiveSettings { ReferenceCompatible = true });
        var perSample = (InputGradientRegularizer)Objectives.Objectives.Create("input-gradient", new ObjectiveSettings { Lambda = 3 });

        // Then
        (reference.Convention, reference.Weight).ShouldBe((InputGradientConvention.Reference, InputGradientRegularizer.ReferenceDefaultWeight));
        (perSample.Convention, perSample.Weight).ShouldBe((InputGradientConvention.PerSample, 3.0));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Should_Refuse_When_TheWeightIsNegativeOrNotFinite(double lambda)
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new InputGradientRegularizer(lambda));
        Should.Throw<ArgumentOutOfRangeException>(() => new InputGradientRegularizer(lambda, InputGradientConvention.Reference));
    }

    [Fact]
    public void Should_Refuse_When_TheBatchSizeOfAConversionIsNotPositive()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => InputGradientRegularizer.PerSampleWeight(1, 0));
        Should.Throw<ArgumentOutOfRangeException>(() => InputGradientRegularizer.ReferenceWeight(1, -3));
    }

    private static Sequential TinyNet() => TinyTanhNet.Create();

    private static (Tensor Inputs, Tensor Labels) Batch() => TinyTanhNet.Batch(Labels);
}
