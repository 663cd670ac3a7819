using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// Mean and median of the minimum adversarial norms over the inputs that were classified correctly and that the
/// attack broke (a finite norm). Misclassified inputs (norm 0 by convention) and failures (+∞) are left out, as in
/// the minimum-norm attack papers (METHODS §8.6). The median of an even count is the mean of the two middle values.
/// </summary>
/// <param name="Count">Inputs the statistics are over: correct and broken.</param>
/// <param name="Mean">Mean norm; null when <paramref name="Count"/> is 0.</param>
/// <param name="Median">Median norm; null when <paramref name="Count"/> is 0.</param>
public sealed record MinimumNormStatistics(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("mean_norm")] double? Mean,
    [property: JsonPropertyName("median_norm")] double? Median)
{
    /// <summary>From per-input norms [N] (+∞ where nothing adversarial was found) and the clean-correctness mask bool [N].</summary>
    /// <exception cref="ArgumentException">The shapes differ or are empty.</exception>
    public static MinimumNormStatistics From(Tensor norms, Tensor correct)
    {
        var isCorrect = HostValues.Mask(correct, nameof(correct));
        var values = HostValues.Doubles(norms, nameof(norms), isCorrect.Length);
        return OfFinite(values.Where((norm, i) => isCorrect[i] && double.IsFinite(norm)));
    }

    /// <summary>Count, mean and median of norms already selected (finite, of correct inputs), held on the host.</summary>
    internal static MinimumNormStatistics OfFinite(IEnumerable<double> norms)
    {
        var kept = norms.Order().ToArray();
        if (kept.Length == 0)
        {
            return new MinimumNormStatistics(0, null, null);
        }

        var middle = kept.Length / 2;
        var median = kept.Length % 2 == 1 ? kept[middle] : (kept[middle - 1] + kept[middle]) / 2;
        return new MinimumNormStatistics(kept.Length, kept.Average(), median);
    }

    /// <summary>From an attack's <see cref="AttackResult.Norms"/> (in the attack's norm).</summary>
    public static MinimumNormStatistics From(AttackResult result, Tensor correct)
    {
        ArgumentNullException.ThrowIfNull(result);
        return From(result.Norms, correct);
    }
}
