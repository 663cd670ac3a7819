using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// Attack success rate: of the inputs the model classified correctly, the fraction the attack made adversarial.
/// Inputs misclassified to begin with are left out (an attack gets no credit for them).
/// </summary>
/// <param name="Successful">Correct inputs the attack broke.</param>
/// <param name="Correct">Inputs classified correctly before the attack.</param>
/// <param name="Total">Inputs evaluated.</param>
public sealed record AttackSuccessRate(
    [property: JsonPropertyName("successful")] int Successful,
    [property: JsonPropertyName("correct")] int Correct,
    [property: JsonPropertyName("total")] int Total)
{
    /// <summary>Successful / Correct; null when no input was correct.</summary>
    [JsonPropertyName("rate")]
    public double? Rate => Correct == 0 ? null : (double)Successful / Correct;

    /// <summary>From a success mask bool [N] and the clean-correctness mask bool [N].</summary>
    /// <exception cref="ArgumentException">The masks differ in shape or are empty.</exception>
    public static AttackSuccessRate From(Tensor success, Tensor correct)
    {
        var isCorrect = HostValues.Mask(correct, nameof(correct));
        var broken = HostValues.Mask(success, nameof(success), isCorrect.Length);
        return Build(broken, isCorrect);
    }

    /// <summary>
    /// From an attack's result: an input counts as broken when the attack found an adversarial for it at all, i.e. its
    /// <see cref="AttackResult.Norms"/> entry is finite (for minimum-norm attacks, the raw proposal; for fixed-ε
    /// attacks, at some ε of the list).
    /// </summary>
    public static AttackSuccessRate From(AttackResult result, Tensor correct)
    {
        ArgumentNullException.ThrowIfNull(result);
        var isCorrect = HostValues.Mask(correct, nameof(correct));
        var norms = HostValues.Doubles(result.Norms, nameof(result), isCorrect.Length);
        return Build(norms.Select(double.IsFinite).ToArray(), isCorrect);
    }

    private static AttackSuccessRate Build(bool[] broken, bool[] isCorrect) =>
        new(Enumerable.Range(0, isCorrect.Length).Count(i => isCorrect[i] && broken[i]), isCorrect.Count(c => c), isCorrect.Length);
}
