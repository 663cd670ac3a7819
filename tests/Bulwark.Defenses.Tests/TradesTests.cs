using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// TRADES against properties and oracles: the inner points stay in the ℓ∞ ball and the box over random inputs (many on
/// the box's faces), the inner loop raises the KL above its random start, runs in evaluation mode and restores the mode,
/// the loss equals CE + β·KL summed by hand at the same inner point, and its parameter gradient — through f(x') and f(x),
/// with x' locally constant — matches central differences.
/// </summary>
public sealed class TradesTests
{
    private static readonly long[] Labels = [1, 0, 2, 2];

    [Theory]
    [InlineData(0.0, 1.0, 0.1, 0.07)]
    [InlineData(-0.5, 0.5, 0.3, 0.2)]
    [InlineData(0.0, 1.0, 0.0, 0.05)]
    public void Should_KeepEveryInnerPointInTheBallAndTheBox_When_InputsLieAnywhereInTheBox(double low, double high, double epsilon, double stepSize)
    {
        // Given random inputs, a third of them on a face of the box
        using var scope = TensorScope.Begin();
        using var model = Net();
        using var generator = new Generator(61);
        var uniform = Torch.Rand([32, 1, 2, 3], generator, DType.Float64);
        var inputs = uniform.Mul(1.5).Sub(0.25).Clamp(0, 1).Mul(high - low).Add(low);
        using var trades = new Trades(epsilon, steps: 7, stepSize, box: (low, high), seed: 2);

        // When
        var inner = trades.InnerMaximum(model, inputs);

        // Then
        var x = inputs.ToArray<double>();
        var adversarial = inner.ToArray<double>();
        x.Count(v => v == low || v == high).ShouldBeGreaterThan(x.Length / 5);
        for (var i = 0; i < x.Length; i++)
        {
            Math.Abs(adversarial[i] - x[i]).ShouldBeLessThanOrEqualTo(epsilon + 1e-15, $"element {i}");
            adversarial[i].ShouldBeInRange(low, high, $"element {i}");
        }

        if (epsilon > 0)
        {
            adversarial.Zip(x, (a, b) => Math.Abs(a - b)).Max().ShouldBe(epsilon, tolerance: 1e-12, "some point reaches the ball's face");
        }
    }

    [Fact]
    public void Should_RaiseTheKlAboveTheRandomStart_When_TheInnerLoopRuns()
    {
        // Given two maximisers with one seed: the same random start, 0 or 10 steps
        using var scope = TensorScope.Begin();
        using var model = Net();
        var (inputs, _) = Batch();
        using var start = new Trades(0.1, steps: 0, stepSize: 0.02, seed: 7);
        using var climbed = new Trades(0.1, steps: 10, stepSize: 0.02, seed: 7);

        // When
        var before = Kl(model, inputs, start.InnerMaximum(model, inputs));
        var after = Kl(model, inputs, climbed.InnerMaximum(model, inputs));

        // Then
        for (var b = 0; b < Labels.Length; b++)
        {
            after[b].ShouldBeGreaterThan(100 * before[b], $"sample {b}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_RunTheInnerLoopInEvaluationModeAndRestoreTheMode_When_ComputingTheLoss(bool training)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = Net();
        var probe = (ModeProbe)model.Children().First();
        model.Train(training);
        var (inputs, labels) = Batch();
        using var trades = new Trades(0.1, steps: 3, stepSize: 0.02);

        // When
        trades.Compute(model, inputs, labels);

        // Then clean forward, 1 + 3 inner forwards in eval mode, the outer forward at x'
        probe.Modes.ShouldBe([training, false, false, false, false, training]);
        model.Training.ShouldBe(training);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Should_EqualCrossEntropyPlusBetaTimesTheKlAtTheInnerPoint_When_ComputedByHand(double beta)
    {
        // Given the inner point a maximiser with the same seed finds
        using var scope = TensorScope.Begin();
        using var model = Net();
        var (inputs, labels) = Batch();
        using var twin = new Trades(0.1, steps: 4, stepSize: 0.03, seed: 19);
        var kl = Kl(model, inputs, twin.InnerMaximum(model, inputs)).Average();
        var clean = model.Forward(inputs).Softmax(1).ToArray<double>().Chunk(3).ToArray();
        var crossEntropy = Labels.Select((y, b) => -Math.Log(clean[b][y])).Average();
        using var trades = new Trades(0.1, steps: 4, stepSize: 0.03, weight: beta, seed: 19);

        // When
        var loss = trades.Compute(model, inputs, labels).Loss.ToDouble();

        // Then
        kl.ShouldBeGreaterThan(1e-4, "the KL term must not vanish, or the check proves nothing");
        loss.ShouldBe(crossEntropy + beta * kl, tolerance: 1e-12);
    }

    [Fact]
    public void Should_HaveTheParameterGradientOfCentralDifferences_When_TheInnerPointIsLocallyConstant()
    {
        // Given: sign steps and clamps do not change within ±h, so x'(θ) is constant near θ and the loss smooth there
        using var scope = TensorScope.Begin();
        using var model = Net();
        var (inputs, labels) = Batch();
        using (var trades = new Trades(0.1, steps: 4, stepSize: 0.03, weight: 2, seed: 23))
        {
            trades.Compute(model, inputs, labels).Loss.Backward();
        }

        var parameters = model.Parameters().ToList();
        var crossEntropyGradients = Autograd.Grad([Functional.CrossEntropy(model.Forward(inputs), labels)], parameters);

        // When
        var largest = ParameterGradients.ShouldMatchCentralDifferences(model, () =>
        {
            using var trades = new Trades(0.1, steps: 4, stepSize: 0.03, weight: 2, seed: 23);
            return trades.Compute(model, inputs, labels).Loss.ToDouble();
        });

        // Then
        largest.ShouldBeGreaterThan(1e-3);
        var largestKlShare = parameters.Select((p, k) => p.Grad!.ToArray<double>()
            .Zip(crossEntropyGradients[k]!.ToArray<double>(), (a, b) => Math.Abs(a - b)).Max()).Max();
        largestKlShare.ShouldBeGreaterThan(1e-3, "the KL term's own gradient must count, or the check proves nothing");
    }

    [Fact]
    public void Should_FindTheSameInnerPointForASeed_When_BuiltTwice()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = Net();
        var (inputs, _) = Batch();
        var settings = new ObjectiveSettings { Seed = 3, Steps = 5, Epsilon = 0.1 };
        using var first = (Trades)Objectives.Objectives.Create("trades", settings);
        using var second = (Trades)Objectives.Objectives.Create("trades", settings);
        using var other = (Trades)Objectives.Objectives.Create("trades", settings with { Seed = 4 });

        // When
        var a = first.InnerMaximum(model, inputs);
        var b = second.InnerMaximum(model, inputs);
        var c = other.InnerMaximum(model, inputs);

        // Then
        b.Equal(a).ShouldBeTrue();
        c.Equal(a).ShouldBeFalse();
        using var defaults = (Trades)Objectives.Objectives.Create("trades", null);
        (defaults.Epsilon, defaults.Steps, defaults.StepSize, defaults.Weight, defaults.Box).ShouldBe((0.3, 40, 0.01, 1.0, (0.0, 1.0)));
    }

    /// <summary>KL(softmax f(x_b) ‖ softmax f(x'_b)) per sample, summed by hand.</summary>
    private static double[] Kl(Module model, Tensor inputs, Tensor inner)
    {
        using var scope = TensorScope.Begin();
        var p = model.Forward(inputs).Softmax(1).ToArray<double>().Chunk(3).ToArray();
        var q = model.Forward(inner).Softmax(1).ToArray<double>().Chunk(3).ToArray();
        return p.Zip(q, (u, v) => u.Zip(v, (a, b) => a * Math.Log(a / b)).Sum()).ToArray();
    }

    /// <summary>ModeProbe → Flatten → Linear(6, 5) → tanh → Linear(5, 3), float64.</summary>
    private static Sequential Net()
    {
        Torch.ManualSeed(67);
        var model = new Sequential(new ModeProbe(), new Flatten(), new Linear(6, 5), new TanhLayer(), new Linear(5, 3));
        model.To(DType.Float64);
        return model;
    }

    /// <summary>Four 1×2×3 images in [0.2, 0.8], so the ball of 0.1 lies inside the box.</summary>
    private static (Tensor Inputs, Tensor Labels) Batch()
    {
        using var generator = new Generator(71);
        return (Torch.Rand([Labels.Length, 1, 2, 3], generator, DType.Float64).Mul(0.6).Add(0.2), Torch.FromArray(Labels, Labels.Length));
    }

    /// <summary>The identity, recording the mode of every forward pass.</summary>
    private sealed class ModeProbe : Module
    {
        public List<bool> Modes { get; } = [];

        public override Tensor Forward(Tensor input)
        {
            Modes.Add(Training);
            return input.Alias();
        }
    }
}
