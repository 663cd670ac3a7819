using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// Deep margin maximization against oracles: on an affine model the input gradients are the weight rows, so hinge and
/// sensitivity have closed forms; on a smooth net the sensitivity against per-sample, per-class input gradients taken
/// one at a time, and the parameter gradient (a double backprop with l held constant) against central differences.
/// </summary>
public sealed class MarginRegularizerTests
{
    private const double C = 0.7;
    private static readonly long[] Labels = [0, 2, 1, 2, 0];

    [Theory]
    [InlineData(MarginSensitivity.SquaredL2)]
    [InlineData(MarginSensitivity.L1)]
    [InlineData(MarginSensitivity.L2)]
    public void Should_EqualTheClosedFormHingePlusWeightRowSensitivity_When_TheModelIsAffine(MarginSensitivity sensitivity)
    {
        // Given f(x) = Wx + b, so ∇f_k = W_k for every input
        using var scope = TensorScope.Begin();
        using var model = Net(hidden: false);
        var (inputs, labels) = Batch();
        var linear = (Linear)model.Children().Last();
        var rows = linear.Weight.ToArray<double>().Chunk(6).ToArray();
        var logits = model.Forward(inputs).ToArray<double>().Chunk(3).ToArray();
        double Distance(int k, int y) => Distances(rows[k], rows[y], sensitivity);
        var hinge = Labels.Select((y, b) => Math.Max(0,
            Enumerable.Range(0, 3).Where(j => j != y).Max(j => logits[b][j]) - logits[b][y] + 1)).Average();
        var sensitivities = Labels.Select(y => Enumerable.Range(0, 3)
            .Where(k => sensitivity != MarginSensitivity.L2 || k != y).Max(k => Distance(k, (int)y))).ToList();
        var expected = hinge + C * sensitivities.Average();

        // When
        var actual = new MarginRegularizer(sensitivity, C).Compute(model, inputs, labels).Loss.ToDouble();

        // Then
        hinge.ShouldBeGreaterThan(0.1, "the hinge must not vanish, or the check proves nothing");
        actual.ShouldBe(expected, tolerance: 1e-12 * Math.Abs(expected));
    }

    [Theory]
    [InlineData(MarginSensitivity.SquaredL2)]
    [InlineData(MarginSensitivity.L1)]
    [InlineData(MarginSensitivity.L2)]
    public void Should_PenaliseTheLargestGradientDifference_When_GradientsAreTakenOneSampleAndOneClassAtATime(MarginSensitivity sensitivity)
    {
        // Given a smooth net, whose input gradients differ from sample to sample
        using var scope = TensorScope.Begin();
        using var model = Net(hidden: true);
        var (inputs, labels) = Batch();
        var expected = 0.0;
        for (var b = 0; b < Labels.Length; b++)
        {
            var gradients = new double[3][];
            for (var k = 0; k < 3; k++)
            {
                var x = inputs.Narrow(0, b, 1).Detach().RequiresGrad_();
                gradients[k] = Autograd.Grad(model.Forward(x).Select(1, k).Sum(), x).ToArray<double>();
            }

            var y = (int)Labels[b];
            expected += Enumerable.Range(0, 3).Where(k => sensitivity != MarginSensitivity.L2 || k != y)
                .Max(k => Distances(gradients[k], gradients[y], sensitivity)) / Labels.Length;
        }

        var regularizer = new MarginRegularizer(sensitivity, C);
        var x0 = inputs.Detach().RequiresGrad_();
        var batch = new RegularizerBatch(model, x0, model.Forward(x0), labels);

        // When
        var actual = regularizer.Penalty(batch).ToDouble();

        // Then
        expected.ShouldBeGreaterThan(1e-3);
        actual.ShouldBe(expected, tolerance: 1e-12 * expected);
    }

    [Theory]
    [InlineData(MarginSensitivity.SquaredL2)]
    [InlineData(MarginSensitivity.L1)]
    [InlineData(MarginSensitivity.L2)]
    public void Should_HaveTheParameterGradientOfCentralDifferences_When_TheLargestClassIsHeldConstant(MarginSensitivity sensitivity)
    {
        // Given (away from ties, the argmax l does not change within ±h, so the loss is smooth there)
        using var scope = TensorScope.Begin();
        using var model = Net(hidden: true);
        var (inputs, labels) = Batch();
        var objective = new MarginRegularizer(sensitivity, C);
        objective.Compute(model, inputs, labels).Loss.Backward();
        var parameters = model.Parameters().ToList();
        var hingeOnly = objective.DataLoss(model.Forward(inputs), labels);
        var hingeGradients = Autograd.Grad([hingeOnly], parameters);

        // When
        var largest = ParameterGradients.ShouldMatchCentralDifferences(model, () => objective.Compute(model, inputs, labels).Loss.ToDouble());

        // Then
        largest.ShouldBeGreaterThan(1e-3);
        var largestPenaltyShare = parameters.Select((p, k) => p.Grad!.ToArray<double>()
            .Zip(hingeGradients[k]!.ToArray<double>(), (a, b) => Math.Abs(a - b)).Max()).Max();
        largestPenaltyShare.ShouldBeGreaterThan(1e-3, "the penalty's own gradient must count, or the check proves nothing");
    }

    [Fact]
    public void Should_ChooseTheLargestGradientDifference_When_TheNearestBoundaryIsAnotherClass()
    {
        // Given an affine model where class 1 is the nearest boundary of a class-0 point but class 2's row differs most
        using var scope = TensorScope.Begin();
        using var linear = new Linear(2, 3);
        linear.To(DType.Float64);
        using (Autograd.NoGrad())
        {
            linear.Weight.Copy_(Torch.FromArray(new double[] { 0, 0, 1, 0, 0, 5 }, 3, 2));
            linear.Bias!.Copy_(Torch.FromArray(new double[] { 1, 0.9, -100 }, 3));
        }

        var x = Torch.Zeros([1, 2], DType.Float64).RequiresGrad_();
        var labels = Torch.FromArray(new long[] { 0 }, 1);

        // When
        var penalty = new MarginRegularizer(MarginSensitivity.SquaredL2, 1).Penalty(new RegularizerBatch(linear, x, linear.Forward(x), labels));

        // Then ‖W_2 − W_0‖² = 25, not ‖W_1 − W_0‖² = 1
        penalty.ToDouble().ShouldBe(25, tolerance: 1e-12);
    }

    [Fact]
    public void Should_BeNamedAndWeightedAsThePaper_When_BuiltByName()
    {
        // When
        var l2 = (MarginRegularizer)Objectives.Objectives.Create("margin-l2", null);
        var l1 = (MarginRegularizer)Objectives.Objectives.Create("margin-l1", null);

        // Then
        (l2.Name, l2.Sensitivity, l2.Weight, l2.NeedsInputGradient).ShouldBe(("margin-l2", MarginSensitivity.SquaredL2, 0.1, true));
        (l1.Name, l1.Sensitivity, l1.Weight).ShouldBe(("margin-l1", MarginSensitivity.L1, 0.01));
    }

    private static double Distances(double[] a, double[] b, MarginSensitivity sensitivity)
    {
        var differences = a.Zip(b, (u, v) => u - v).ToArray();
        return sensitivity switch
        {
            MarginSensitivity.SquaredL2 => differences.Sum(d => d * d),
            MarginSensitivity.L1 => differences.Sum(Math.Abs),
            _ => Math.Sqrt(differences.Sum(d => d * d)),
        };
    }

    /// <summary>Flatten → Linear(6, 3), or Flatten → Linear(6, 5) → tanh → Linear(5, 3); float64.</summary>
    private static Sequential Net(bool hidden)
    {
        Torch.ManualSeed(31);
        var model = hidden
            ? new Sequential(new Flatten(), new Linear(6, 5), new TanhLayer(), new Linear(5, 3))
            : new Sequential(new Flatten(), new Linear(6, 3));
        model.To(DType.Float64);
        return model;
    }

    private static (Tensor Inputs, Tensor Labels) Batch()
    {
        using var generator = new Generator(41);
        return (Torch.Randn([Labels.Length, 1, 2, 3], generator, DType.Float64), Torch.FromArray(Labels, Labels.Length));
    }
}
