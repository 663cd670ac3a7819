using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// The bench's <c>augment</c> step against its definition: the clean batch and its N noisy copies as one batch of
/// B·(N + 1), cross-entropy averaged over all of it — the batch rebuilt from the same seeded noise, the loss computed on
/// the host in float64.
/// </summary>
public sealed class NoiseAugmentationObjectiveTests
{
    private const int Folds = 3;
    private const double Sigma = 0.4;
    private static readonly long[] Labels = [0, 2, 1, 2];

    [Fact]
    public void Should_EqualTheCrossEntropyOfTheConcatenatedBatch_When_ComputedByHand()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch();
        var count = Labels.Length;
        using var objectiveNoise = new Generator(31);
        using var handNoise = new Generator(31);

        // When
        var result = new NoiseAugmentationObjective(Folds, Sigma, generator: objectiveNoise).Compute(model, inputs, labels);

        // Then: row k·B + i is image i plus σ times noise row (k − 1)·B + i
        var z = Torch.Randn([Folds * count, 1, 2, 3], handNoise, DType.Float64);
        var rows = new List<Tensor> { inputs };
        for (var fold = 1; fold <= Folds; fold++)
        {
            rows.Add(inputs.Add(z.Narrow(0, (fold - 1) * count, count), Sigma));
        }

        var logits = model.Forward(Torch.Cat(rows)).ToArray<double>();
        var expected = Enumerable.Range(0, (Folds + 1) * count).Average(row =>
        {
            var scores = logits.AsSpan(row * 3, 3).ToArray();
            var logSumExp = Math.Log(scores.Sum(Math.Exp));
            return logSumExp - scores[Labels[row % count]];
        });
        var actual = result.Loss.ToDouble();
        actual.ShouldBe(expected, tolerance: 1e-12 * expected);
        var cleanOnly = new CrossEntropyObjective().Compute(model, inputs, labels).Loss.ToDouble();
        Math.Abs(actual - cleanOnly).ShouldBeGreaterThan(1e-3, "the noisy copies must count, or the check proves nothing");
        result.Logits.Shape.ShouldBe([count, 3]);
        result.Logits.ToArray<double>().ShouldBe(logits.Take(count * 3).ToArray(), "the logits reported are the clean batch's");
    }

    [Fact]
    public void Should_BeMadeByName_When_AskedForAugmentWithFolds()
    {
        // When
        var objective = Objectives.Objectives.Create("augment", sigma: 0.5, folds: 4).ShouldBeOfType<NoiseAugmentationObjective>();

        // Then
        objective.Name.ShouldBe("augment");
        (objective.Folds, objective.Sigma).ShouldBe((4, 0.5));
        Objectives.Objectives.Names.ShouldContain("augment");
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(1, -0.1)]
    [InlineData(1, double.PositiveInfinity)]
    public void Should_Refuse_When_FoldsOrSigmaAreOutOfRange(int folds, double sigma) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new NoiseAugmentationObjective(folds, sigma));

    private static Sequential TinyNet() => TinyTanhNet.Create();

    private static (Tensor Inputs, Tensor Labels) Batch() => TinyTanhNet.Batch(Labels, unitBox: true);
}
