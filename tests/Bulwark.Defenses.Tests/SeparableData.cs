using Bulwark.Data;
using Bulwark.Torch;

namespace Bulwark.Defenses.Tests;

/// <summary>
/// Synthetic classification sets that an affine classifier separates exactly: pixels uniform in [0, 1], the class is
/// the argmax of fixed random affine scores, and only points whose best score beats the runner-up by
/// <see cref="Margin"/> are kept. Made on the host with <see cref="Random"/>, so nothing of the engine under test
/// decides the labels.
/// </summary>
internal sealed class SeparableData
{
    public const int Side = 4;
    public const int Classes = 3;
    public const double Margin = 0.25;
    private const int Features = Side * Side;

    private readonly double[,] weights = new double[Classes, Features];

    /// <param name="problemSeed">Chooses the separating hyperplanes; sets drawn from one instance share them.</param>
    public SeparableData(int problemSeed)
    {
        var random = new Random(problemSeed);
        for (var c = 0; c < Classes; c++)
        {
            for (var f = 0; f < Features; f++)
            {
                weights[c, f] = 2 * random.NextDouble() - 1;
            }
        }
    }

    /// <summary>A dataset of <paramref name="count"/> images <c>[count, 1, 4, 4]</c>; <paramref name="sampleSeed"/> picks the points.</summary>
    /// <param name="relabel">Optionally replaces the label of sample i (used to plant contradicting samples).</param>
    public TensorDataset Make(int count, int sampleSeed, Func<int, long, long>? relabel = null)
    {
        var (pixels, labels) = Draw(count, sampleSeed);
        if (relabel is not null)
        {
            for (var i = 0; i < count; i++)
            {
                labels[i] = relabel(i, labels[i]);
            }
        }

        using var images = Torch.Torch.FromArray(pixels, count, 1, Side, Side);
        using var targets = Torch.Torch.FromArray(labels, count);
        return new TensorDataset(images, targets, $"separable-{sampleSeed}", ["a", "b", "c"]);
    }

    /// <summary>
    /// A dataset whose validation part — the rows <see cref="DatasetSplit.TrainValidation"/> will hold out for
    /// <paramref name="validationFraction"/> and <paramref name="splitSeed"/> — carries wrong labels (the next class),
    /// so that the better a model fits the training part, the worse its validation loss gets.
    /// </summary>
    public TensorDataset MakeWithContradictingValidation(int count, int sampleSeed, double validationFraction, ulong splitSeed)
    {
        var held = ValidationRows(count, validationFraction, splitSeed);
        return Make(count, sampleSeed, (row, label) => held.Contains(row) ? (label + 1) % Classes : label);
    }

    /// <summary>
    /// The rows a split of a <paramref name="count"/>-sample dataset holds out: found by splitting a probe dataset whose
    /// label is its row number (a split depends only on the count, the fraction and the seed).
    /// </summary>
    public static HashSet<long> ValidationRows(int count, double validationFraction, ulong splitSeed)
    {
        using var images = Torch.Torch.Zeros(count, 1, 1, 1);
        using var rowNumbers = Torch.Torch.Arange(count);
        using var probe = new TensorDataset(images, rowNumbers);
        var (train, validation) = DatasetSplit.TrainValidation(probe, validationFraction, splitSeed);
        using (train)
        using (validation)
        {
            return [.. validation.GetLabels()];
        }
    }

    private (float[] Pixels, long[] Labels) Draw(int count, int sampleSeed)
    {
        var random = new Random(sampleSeed);
        var pixels = new float[count * Features];
        var labels = new long[count];
        var scores = new double[Classes];
        var point = new float[Features];
        for (var kept = 0; kept < count;)
        {
            for (var f = 0; f < Features; f++)
            {
                point[f] = (float)random.NextDouble();
            }

            for (var c = 0; c < Classes; c++)
            {
                scores[c] = 0;
                for (var f = 0; f < Features; f++)
                {
                    scores[c] += weights[c, f] * (point[f] - 0.5);
                }
            }

            var best = Array.IndexOf(scores, scores.Max());
            var runnerUp = scores.Where((_, c) => c != best).Max();
            if (scores[best] - runnerUp < Margin)
            {
                continue;
            }

            point.CopyTo(pixels, kept * Features);
            labels[kept] = best;
            kept++;
        }

        return (pixels, labels);
    }
}
