using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// Clean accuracy: the fraction of inputs whose predicted class is their label.
/// <code>var clean = CleanAccuracy.Measure(model, images, labels);   // clean.Accuracy, clean.Correct, clean.Total</code>
/// </summary>
/// <param name="Correct">Inputs classified as their label.</param>
/// <param name="Total">Inputs evaluated.</param>
public sealed record CleanAccuracy(
    [property: JsonPropertyName("correct")] int Correct,
    [property: JsonPropertyName("total")] int Total)
{
    /// <summary>Correct / Total.</summary>
    [JsonPropertyName("accuracy")]
    public double Accuracy => Total == 0 ? double.NaN : (double)Correct / Total;

    /// <summary>From predicted classes [N] and labels [N] (any integer type).</summary>
    /// <exception cref="ArgumentException">The shapes differ or are empty.</exception>
    public static CleanAccuracy From(Tensor predictions, Tensor labels)
    {
        var predicted = HostValues.Longs(predictions, nameof(predictions));
        var truth = HostValues.Longs(labels, nameof(labels), predicted.Length);
        return new CleanAccuracy(predicted.Where((p, i) => p == truth[i]).Count(), predicted.Length);
    }

    /// <summary>From a correctness mask [N] (bool; non-zero counts as correct).</summary>
    public static CleanAccuracy FromMask(Tensor correct)
    {
        var mask = HostValues.Mask(correct, nameof(correct));
        return new CleanAccuracy(mask.Count(c => c), mask.Length);
    }

    /// <summary>Runs <paramref name="model"/> (in evaluation mode) on <paramref name="inputs"/> [N, ...] in batches.</summary>
    public static CleanAccuracy Measure(AttackModel model, Tensor inputs, Tensor labels, int batchSize = Predictions.DefaultBatchSize)
    {
        using var correct = Predictions.Correct(model, inputs, labels, batchSize);
        return FromMask(correct);
    }

    /// <summary>Runs <paramref name="model"/> (in evaluation mode) over <paramref name="data"/> in order, batches moved to <paramref name="device"/> (the CPU by default).</summary>
    public static CleanAccuracy Measure(AttackModel model, TensorDataset data, int batchSize = Predictions.DefaultBatchSize, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var correct = 0;
        foreach (var (images, labels) in new DataLoader(data, batchSize, device: device))
        {
            using var mask = Predictions.Correct(model, images, labels, batchSize);
            correct += HostValues.Mask(mask, nameof(data)).Count(c => c);
        }

        return new CleanAccuracy(correct, data.Count);
    }
}
