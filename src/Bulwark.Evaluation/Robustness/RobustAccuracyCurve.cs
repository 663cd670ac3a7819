using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// Robust accuracy at each ε of a list: the fraction of all inputs that are classified correctly <i>and</i> not broken
/// by the attack at that ε. A misclassified input counts as not robust whatever the attack did, as in the papers
/// (so robust accuracy at ε = 0 is the clean accuracy). Beside it, the attack's success rate at each ε over the
/// inputs that were correct to begin with.
/// <code>
/// using var correct = Predictions.Correct(model, x, y);
/// using var result = pgd.Run(model, x, new Misclassification(y), [0.1, 0.2, 0.3]);
/// var curve = RobustAccuracyCurve.From(result, correct);   // curve.At(0.3)
/// </code>
/// </summary>
/// <param name="Epsilons">The ε of each point, in the order given.</param>
/// <param name="RobustAccuracy">#(correct ∧ not broken at ε) / Total, for each ε.</param>
/// <param name="SuccessRate">#(correct ∧ broken at ε) / #correct, for each ε; null when no input was correct.</param>
/// <param name="Correct">Inputs classified correctly before the attack.</param>
/// <param name="Total">Inputs evaluated.</param>
public sealed record RobustAccuracyCurve(
    [property: JsonPropertyName("epsilons")] IReadOnlyList<double> Epsilons,
    [property: JsonPropertyName("robust_accuracy")] IReadOnlyList<double> RobustAccuracy,
    [property: JsonPropertyName("success_rate")] IReadOnlyList<double?> SuccessRate,
    [property: JsonPropertyName("correct")] int Correct,
    [property: JsonPropertyName("total")] int Total)
{
    /// <summary>Correct / Total: the curve's value at ε = 0.</summary>
    [JsonPropertyName("clean_accuracy")]
    public double CleanAccuracy => Total == 0 ? double.NaN : (double)Correct / Total;

    /// <summary>Robust accuracy at <paramref name="epsilon"/>, which must be one of <see cref="Epsilons"/>.</summary>
    /// <exception cref="ArgumentException">The curve has no point at <paramref name="epsilon"/>.</exception>
    public double At(double epsilon)
    {
        for (var i = 0; i < Epsilons.Count; i++)
        {
            if (Epsilons[i] == epsilon)
            {
                return RobustAccuracy[i];
            }
        }

        throw new ArgumentException($"the curve has no point at ε = {epsilon}; its ε are [{string.Join(", ", Epsilons)}]", nameof(epsilon));
    }

    /// <summary>
    /// From a success matrix bool [E, N] (the attack met its criterion at ε_e on input n) and the clean-correctness
    /// mask bool [N].
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not agree with each other or with <paramref name="epsilons"/>.</exception>
    public static RobustAccuracyCurve From(Tensor success, Tensor correct, IReadOnlyList<double> epsilons)
    {
        ArgumentNullException.ThrowIfNull(epsilons);
        var isCorrect = HostValues.Mask(correct, nameof(correct));
        var broken = HostValues.MaskRows(success, nameof(success), isCorrect.Length);
        if (broken.Length != epsilons.Count)
        {
            throw new ArgumentException($"{broken.Length} rows of success for {epsilons.Count} epsilons", nameof(epsilons));
        }

        return Build(epsilons, broken, isCorrect);
    }

    /// <summary>From an attack's <see cref="AttackResult.Success"/> at its <see cref="AttackResult.Epsilons"/>.</summary>
    public static RobustAccuracyCurve From(AttackResult result, Tensor correct)
    {
        ArgumentNullException.ThrowIfNull(result);
        return From(result.Success, correct, result.Epsilons);
    }

    /// <summary>
    /// From minimum adversarial norms [N] (+∞ where none was found): an input is broken at ε when its norm is ≤ ε.
    /// This is how a minimum-norm attack answers for any ε list without running again.
    /// </summary>
    public static RobustAccuracyCurve FromNorms(Tensor norms, Tensor correct, IReadOnlyList<double> epsilons)
    {
        ArgumentNullException.ThrowIfNull(epsilons);
        var isCorrect = HostValues.Mask(correct, nameof(correct));
        var values = HostValues.Doubles(norms, nameof(norms), isCorrect.Length);
        var broken = epsilons.Select(epsilon => values.Select(norm => norm <= epsilon).ToArray()).ToArray();
        return Build(epsilons, broken, isCorrect);
    }

    private static RobustAccuracyCurve Build(IReadOnlyList<double> epsilons, bool[][] broken, bool[] isCorrect)
    {
        var total = isCorrect.Length;
        var correct = isCorrect.Count(c => c);
        var robust = new double[broken.Length];
        var success = new double?[broken.Length];
        for (var e = 0; e < broken.Length; e++)
        {
            var row = broken[e];
            var robustCount = Enumerable.Range(0, total).Count(i => isCorrect[i] && !row[i]);
            robust[e] = (double)robustCount / total;
            success[e] = correct == 0 ? null : (double)(correct - robustCount) / correct;
        }

        return new RobustAccuracyCurve(epsilons.ToArray(), robust, success, correct, total);
    }
}
