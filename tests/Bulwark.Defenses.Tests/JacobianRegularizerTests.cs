using Bulwark.Defenses.Objectives;
using Bulwark.TestKit;
using Bulwark.Torch;
using Bulwark.Torch.Nn;
using Bulwark.Torch.Optim;

namespace Bulwark.Defenses.Tests;

// Inside Bulwark.*, a bare `Torch` names the namespace Bulwark.Torch; this names the class.
using Torch = Bulwark.Torch.Torch;

/// <summary>
/// The Jacobian regularizers against oracles, in float64 on a smooth tiny net (Flatten → Linear(6, 5) → tanh →
/// Linear(5, 3)): Jacobians built column by column from central differences, the projection estimator's Monte Carlo
/// mean, the first-sample quirk against a batch of one, and parameter gradients against central differences.
/// </summary>
public sealed class JacobianRegularizerTests
{
    private static readonly long[] Labels = [0, 2, 1, 2];

    [Fact]
    public void Should_EqualTheFrobeniusNormAndTheHalfMeanSquaredNormOfFiniteDifferenceJacobians_When_Exact()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        var perSample = FiniteDifferenceSquaredNorms(model.Forward, inputs);
        var total = perSample.Sum();
        using var jakubovitz = JacobianRegularizer.Jakubovitz();
        using var hoffman = JacobianRegularizer.Hoffman(projections: JacobianRegularizer.Exact);

        // When
        var frobenius = PenaltyOf(jakubovitz, model, inputs, labels);
        var halfMeanSquared = PenaltyOf(hoffman, model, inputs, labels);

        // Then
        perSample.Min().ShouldBeGreaterThan(1e-2, "every sample's Jacobian must count, or the check proves little");
        frobenius.ShouldBe(Math.Sqrt(total), tolerance: 1e-8 * Math.Sqrt(total));
        halfMeanSquared.ShouldBe(0.5 * total / Labels.Length, tolerance: 1e-8 * total);
    }

    [Fact]
    public void Should_AverageToHalfTheMeanSquaredJacobianNorm_When_ProjectionsAreDrawnManyTimes()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        var exact = 0.5 * FiniteDifferenceSquaredNorms(model.Forward, inputs).Average();
        using var estimator = JacobianRegularizer.Hoffman(projections: 1, seed: 11);
        var x = inputs.Detach().RequiresGrad_();
        var logits = model.Forward(x);
        const int draws = 3000;

        // When
        var samples = new double[draws];
        for (var i = 0; i < draws; i++)
        {
            using var draw = TensorScope.Begin();
            samples[i] = estimator.Penalty(new RegularizerBatch(model, x, logits, labels)).ToDouble();
        }

        // Then
        var mean = samples.Average();
        var std = Math.Sqrt(samples.Sum(s => (s - mean) * (s - mean)) / (draws - 1));
        std.ShouldBeGreaterThan(0.05 * exact, "the estimate must vary between draws, or this is not a Monte Carlo check");
        Math.Abs(mean - exact).ShouldBeLessThan(4 * std / Math.Sqrt(draws));
    }

    [Theory]
    [InlineData(JacobianNorm.Frobenius)]
    [InlineData(JacobianNorm.HalfMeanSquared)]
    public void Should_EqualTheExactValueOnTheFirstSampleAlone_When_OnlyTheFirstSampleCounts(JacobianNorm norm)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        using var firstOnly = new JacobianRegularizer(1, norm, firstSampleOnly: true);
        using var full = new JacobianRegularizer(1, norm);

        // When
        var quirk = PenaltyOf(firstOnly, model, inputs, labels);
        var alone = PenaltyOf(full, model, inputs.Narrow(0, 0, 1), labels.Narrow(0, 0, 1));
        var whole = PenaltyOf(full, model, inputs, labels);

        // Then
        quirk.ShouldBe(alone, tolerance: 1e-12 * alone);
        Math.Abs(whole - quirk).ShouldBeGreaterThan(1e-2 * whole, "the other samples must matter to the full-batch value");
    }

    [Fact]
    public void Should_GiveTheParameterGradientOfTheFirstSampleAlone_When_OnlyTheFirstSampleCounts()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        using var firstOnly = JacobianRegularizer.Jakubovitz(1, firstSampleOnly: true);
        using var full = JacobianRegularizer.Jakubovitz(1);

        // When
        var quirk = PenaltyGradients(firstOnly, model, inputs, labels);
        var alone = PenaltyGradients(full, model, inputs.Narrow(0, 0, 1), labels.Narrow(0, 0, 1));

        // Then
        quirk.Length.ShouldBe(alone.Length);
        for (var i = 0; i < quirk.Length; i++)
        {
            quirk[i].ShouldBe(alone[i], tolerance: 1e-12 * (1 + Math.Abs(alone[i])));
        }
    }

    [Fact]
    public void Should_DifferentiateTheFirstSamplesLogitsWithRespectToTheWholeBatch_When_BatchNormMixesTheSamples()
    {
        // Given: batch norm in training mode makes sample 0's logits depend on every sample, as in the reference's graph.
        using var scope = TensorScope.Begin();
        Torch.ManualSeed(3);
        using var model = new Sequential(new BatchNorm2d(1), new Flatten(), new Linear(6, 5), new TanhLayer(), new Linear(5, 3));
        model.To(DType.Float64);
        var (inputs, labels) = Batch();
        var expected = 0.0;
        var values = inputs.ToArray<double>();
        const double h = 1e-6;
        for (var d = 0; d < values.Length; d++)
        {
            var plus = FirstLogits(d, +h);
            var minus = FirstLogits(d, -h);
            for (var k = 0; k < plus.Length; k++)
            {
                var derivative = (plus[k] - minus[k]) / (2 * h);
                expected += derivative * derivative;
            }
        }

        using var firstOnly = JacobianRegularizer.Jakubovitz(1, firstSampleOnly: true);

        // When
        var penalty = PenaltyOf(firstOnly, model, inputs, labels);

        // Then: √ of the squared derivatives of z(x)₀ with respect to all the batch's pixels
        penalty.ShouldBe(Math.Sqrt(expected), tolerance: 1e-6 * Math.Sqrt(expected));

        double[] FirstLogits(int index, double step)
        {
            using var inner = TensorScope.Begin();
            using var noGrad = Autograd.NoGrad();
            var shifted = (double[])values.Clone();
            shifted[index] += step;
            return model.Forward(Torch.FromArray(shifted, inputs.Shape)).Narrow(0, 0, 1).ToArray<double>();
        }
    }

    [Theory]
    [InlineData(JacobianNorm.Frobenius)]
    [InlineData(JacobianNorm.HalfMeanSquared)]
    public void Should_PenaliseTheJacobianOfTheLastLinearLayersInput_When_ThePenultimateLayerIsChosen(JacobianNorm norm)
    {
        // Given: the last Linear sits in a nested Sequential, so the layers before it span both levels.
        using var scope = TensorScope.Begin();
        Torch.ManualSeed(5);
        var first = new Linear(6, 5);
        var hidden = new Linear(5, 4);
        using var model = new Sequential(new Flatten(), first, new TanhLayer(),
            new Sequential(hidden, new TanhLayer(), new Linear(4, 3)));
        model.To(DType.Float64);
        var (inputs, labels) = Batch();
        var perSample = FiniteDifferenceSquaredNorms(x => hidden.Forward(first.Forward(x.Flatten(1)).Tanh()).Tanh(), inputs);
        using var regularizer = new JacobianRegularizer(1, norm, layer: JacobianLayer.Penultimate);

        // When
        var penalty = PenaltyOf(regularizer, model, inputs, labels);

        // Then
        var expected = norm == JacobianNorm.Frobenius ? Math.Sqrt(perSample.Sum()) : 0.5 * perSample.Average();
        penalty.ShouldBe(expected, tolerance: 1e-8 * expected);
        using var onLogits = new JacobianRegularizer(1, norm);
        var logitsValue = PenaltyOf(onLogits, model, inputs, labels);
        Math.Abs(logitsValue - penalty).ShouldBeGreaterThan(1e-3 * penalty, "the penultimate Jacobian must differ from the logits'");
    }

    [Theory]
    [InlineData("jakubovitz")]
    [InlineData("jakubovitz-first-sample")]
    [InlineData("hoffman-exact")]
    [InlineData("hoffman-projections")]
    [InlineData("penultimate")]
    [InlineData("penultimate-projection")]
    public void Should_HaveTheParameterGradientOfCentralDifferences_When_DifferentiatedThroughTheJacobian(string variant)
    {
        // Given: a fresh regularizer per evaluation, so a seeded projection draws the same directions every time.
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        double Loss(bool backward)
        {
            using var regularizer = Variant(variant);
            var loss = regularizer.Compute(model, inputs, labels).Loss;
            if (backward)
            {
                loss.Backward();
            }

            return loss.ToDouble();
        }

        Loss(backward: true);
        var crossEntropy = new CrossEntropyObjective().Compute(model, inputs, labels).Loss;
        var parameters = model.Parameters().ToList();
        var crossEntropyGradients = Autograd.Grad([crossEntropy], parameters);

        // When
        var largest = ParameterGradients.ShouldMatchCentralDifferences(model, () => Loss(backward: false));

        // Then
        largest.ShouldBeGreaterThan(1e-3);
        var largestPenaltyShare = parameters.Select((p, k) => p.Grad!.ToArray<double>()
            .Zip(crossEntropyGradients[k]!.ToArray<double>(), (a, b) => Math.Abs(a - b)).Max()).Max();
        largestPenaltyShare.ShouldBeGreaterThan(1e-3, "the penalty's own gradient must count, or the check proves nothing");
    }

    [Theory]
    [InlineData("jakubovitz")]
    [InlineData("penultimate-projection")]
    public void Should_FreeEveryTensorItMakes_When_AStepRunsInAScope(string variant)
    {
        // Given
        using var model = TinyNet();
        using var generator = new Generator(23);
        using var inputs = Torch.Randn([Labels.Length, 1, 2, 3], generator, DType.Float64);
        using var labels = Torch.FromArray(Labels, Labels.Length);
        using var regularizer = Variant(variant);
        var guard = LeakGuard.Begin();

        // When
        using (TensorScope.Begin())
        {
            regularizer.Compute(model, inputs, labels).Loss.Backward();
        }

        model.ZeroGrad();

        // Then
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_HaveOrthonormalRowsThatNoOptimizerStepChanges_When_TheLastLayerIsFixed()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();

        // When
        var last = JacobianRegularizer.FixLastLayerOrthonormal(model, seed: 3);
        var gram = last.Weight.Matmul(last.Weight.T);
        var weightBefore = last.Weight.Clone();
        var firstBefore = ((Linear)model[1]).Weight.Clone();
        using var optimizer = new Adam(model.Parameters(), new AdamOptions { LearningRate = 0.1, WeightDecay = 0.1 });
        using var regularizer = JacobianRegularizer.Jakubovitz(layer: JacobianLayer.Penultimate);
        optimizer.ZeroGrad();
        regularizer.Compute(model, inputs, labels).Loss.Backward();
        optimizer.Step();

        // Then
        using var identity = Torch.Eye(3, dtype: DType.Float64);
        gram.Sub(identity).Abs().Max().ToDouble().ShouldBeLessThan(1e-12);
        last.Weight.RequiresGrad.ShouldBeFalse();
        last.Bias!.RequiresGrad.ShouldBeFalse();
        last.Weight.Equal(weightBefore).ShouldBeTrue();
        last.Bias.Abs().Max().ToDouble().ShouldBe(0);
        ((Linear)model[1]).Weight.Equal(firstBefore).ShouldBeFalse("the other layers must still train");
    }

    [Fact]
    public void Should_Refuse_When_TheLastLayerCannotHaveOrthonormalRowsOrThereIsNoLinearLayer()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var wide = new Sequential(new Flatten(), new Linear(6, 2), new TanhLayer(), new Linear(2, 3));
        using var noLinear = new Sequential(new Flatten(), new TanhLayer());
        var (inputs, labels) = Batch();
        using var penultimate = JacobianRegularizer.Jakubovitz(layer: JacobianLayer.Penultimate);
        using var notSequential = new Flatten();

        // When / Then
        Should.Throw<ArgumentException>(() => JacobianRegularizer.FixLastLayerOrthonormal(wide, 1));
        Should.Throw<ArgumentException>(() => JacobianRegularizer.FixLastLayerOrthonormal(noLinear, 1));
        Should.Throw<ArgumentException>(() => penultimate.Compute(noLinear, inputs.Float(), labels));
        Should.Throw<ArgumentException>(() => penultimate.Compute(notSequential, inputs.Float(), labels));
    }

    [Theory]
    [InlineData(-0.1, JacobianRegularizer.Exact)]
    [InlineData(double.NaN, JacobianRegularizer.Exact)]
    [InlineData(double.PositiveInfinity, JacobianRegularizer.Exact)]
    [InlineData(0.1, 0)]
    [InlineData(0.1, -2)]
    public void Should_Refuse_When_TheWeightOrTheProjectionCountIsInvalid(double weight, int projections)
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new JacobianRegularizer(weight, JacobianNorm.HalfMeanSquared, projections));
    }

    [Fact]
    public void Should_BuildTheMethodsWithTheirLiteratureDefaults_When_CreatedByName()
    {
        // When
        using var jakubovitz = (JacobianRegularizer)Objectives.Objectives.Create("jacobian", new ObjectiveSettings());
        using var quirk = (JacobianRegularizer)Objectives.Objectives.Create("jacobian",
            new ObjectiveSettings { ReferenceCompatible = true, Layer = "penultimate" });
        using var hoffman = (JacobianRegularizer)Objectives.Objectives.Create("jacobian-projection", new ObjectiveSettings { Seed = 4 });

        // Then
        (jakubovitz.Weight, jakubovitz.Norm, jakubovitz.Projections, jakubovitz.FirstSampleOnly, jakubovitz.Layer)
            .ShouldBe((0.1, JacobianNorm.Frobenius, JacobianRegularizer.Exact, false, JacobianLayer.Logits));
        (quirk.FirstSampleOnly, quirk.Layer).ShouldBe((true, JacobianLayer.Penultimate));
        (hoffman.Weight, hoffman.Norm, hoffman.Projections, hoffman.Seed).ShouldBe((0.01, JacobianNorm.HalfMeanSquared, 1, 4UL));
        Should.Throw<ArgumentException>(() => Objectives.Objectives.Create("jacobian", new ObjectiveSettings { Layer = "conv1" }));
    }

    private static JacobianRegularizer Variant(string name) => name switch
    {
        "jakubovitz" => JacobianRegularizer.Jakubovitz(0.5),
        "jakubovitz-first-sample" => JacobianRegularizer.Jakubovitz(0.5, firstSampleOnly: true),
        "hoffman-exact" => JacobianRegularizer.Hoffman(0.5, JacobianRegularizer.Exact),
        "hoffman-projections" => JacobianRegularizer.Hoffman(0.5, projections: 2, seed: 9),
        "penultimate" => JacobianRegularizer.Jakubovitz(0.5, layer: JacobianLayer.Penultimate),
        "penultimate-projection" => JacobianRegularizer.Hoffman(0.5, projections: 1, seed: 3, layer: JacobianLayer.Penultimate),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    private static double PenaltyOf(JacobianRegularizer regularizer, Module model, Tensor inputs, Tensor labels)
    {
        using var scope = TensorScope.Begin();
        var x = inputs.Detach().RequiresGrad_();
        return regularizer.Penalty(new RegularizerBatch(model, x, model.Forward(x), labels)).ToDouble();
    }

    /// <summary>The gradient of the penalty with respect to every parameter of <paramref name="model"/>, flattened in order.</summary>
    private static double[] PenaltyGradients(JacobianRegularizer regularizer, Module model, Tensor inputs, Tensor labels)
    {
        using var scope = TensorScope.Begin();
        var x = inputs.Detach().RequiresGrad_();
        var parameters = model.Parameters().ToList();
        var penalty = regularizer.Penalty(new RegularizerBatch(model, x, model.Forward(x), labels));
        var gradients = Autograd.Grad([penalty], parameters, allowUnused: true);
        // the output layer's bias does not move the Jacobian: no gradient, i.e. zero
        return parameters.Zip(gradients, (p, g) => g?.ToArray<double>() ?? new double[p.NumberOfElements]).SelectMany(v => v).ToArray();
    }

    /// <summary>
    /// ‖J_b‖²_F of each sample b of <paramref name="f"/> (one output row per sample), the Jacobian built one input
    /// column at a time from central differences.
    /// </summary>
    private static double[] FiniteDifferenceSquaredNorms(Func<Tensor, Tensor> f, Tensor inputs, double h = 1e-6)
    {
        var values = inputs.ToArray<double>();
        var shape = inputs.Shape;
        var samples = (int)shape[0];
        var perSample = values.Length / samples;
        var norms = new double[samples];
        for (var b = 0; b < samples; b++)
        {
            for (var d = 0; d < perSample; d++)
            {
                var plus = Evaluate(b * perSample + d, +h);
                var minus = Evaluate(b * perSample + d, -h);
                var width = plus.Length / samples;
                for (var k = 0; k < width; k++)
                {
                    var derivative = (plus[b * width + k] - minus[b * width + k]) / (2 * h);
                    norms[b] += derivative * derivative;
                }
            }
        }

        return norms;

        double[] Evaluate(int index, double step)
        {
            using var scope = TensorScope.Begin();
            using var noGrad = Autograd.NoGrad();
            var shifted = (double[])values.Clone();
            shifted[index] += step;
            return f(Torch.FromArray(shifted, shape)).ToArray<double>();
        }
    }

    private static Sequential TinyNet() => TinyTanhNet.Create();

    private static (Tensor Inputs, Tensor Labels) Batch() => TinyTanhNet.Batch(Labels);
}
