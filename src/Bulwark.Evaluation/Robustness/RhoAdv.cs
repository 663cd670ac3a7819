using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// ρ_adv, the DeepFool paper's robustness measure: the mean of ‖r‖ / ‖x‖, the size of the adversarial perturbation
/// r = x_adv − x relative to the input's, in ℓ2 unless another norm is given. The papers average it over two
/// different sets, and both are reported:
/// <list type="bullet">
/// <item><see cref="OverSuccessful"/>: over the inputs classified correctly and attacked successfully — the margin
/// paper's D (its <c>l2_df_skip_norm</c>, METHODS §3).</item>
/// <item><see cref="OverAll"/>: over all inputs, a misclassified input counting 0 — the adversary-critic
/// <c>test.py</c> convention (METHODS §4). A correct input the attack failed on counts with the perturbation the
/// attack returned, as in that code.</item>
/// </list>
/// ‖x‖ = 0 gives an infinite or undefined ratio; image inputs are never all zero.
/// <code>
/// using var result = new DeepFool().Run(model, x, new Misclassification(y));
/// var rho = RhoAdv.From(result, x, correct);   // rho.OverSuccessful, rho.OverAll
/// </code>
/// </summary>
/// <param name="Norm">The norm's name (l2 by default).</param>
/// <param name="OverSuccessful">Mean ratio over correct ∧ successful inputs; null when there are none.</param>
/// <param name="OverAll">Sum of the ratios of correct inputs divided by all inputs (misclassified count 0).</param>
/// <param name="Successful">Inputs correct and successfully attacked: the size of the first set.</param>
/// <param name="Correct">Inputs classified correctly before the attack.</param>
/// <param name="Total">Inputs evaluated: the size of the second set.</param>
public sealed record RhoAdv(
    [property: JsonPropertyName("norm")] string Norm,
    [property: JsonPropertyName("over_successful")] double? OverSuccessful,
    [property: JsonPropertyName("over_all")] double OverAll,
    [property: JsonPropertyName("successful")] int Successful,
    [property: JsonPropertyName("correct")] int Correct,
    [property: JsonPropertyName("total")] int Total)
{
    /// <summary>
    /// From inputs [N, ...], the attack's outputs [N, ...], the clean-correctness mask bool [N] and the success mask
    /// bool [N] (the output is adversarial), measuring in <paramref name="norm"/> (ℓ2 when null).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not agree or the batch is empty.</exception>
    public static RhoAdv From(Tensor inputs, Tensor adversarials, Tensor correct, Tensor success, Norm? norm = null)
    {
        HostValues.CheckBatch(inputs, nameof(inputs));
        ArgumentNullException.ThrowIfNull(adversarials);
        if (!adversarials.Shape.SequenceEqual(inputs.Shape))
        {
            throw new ArgumentException(
                $"adversarials [{string.Join(", ", adversarials.Shape)}] must have the inputs' shape [{string.Join(", ", inputs.Shape)}]",
                nameof(adversarials));
        }

        norm ??= Attacks.Norm.L2;
        var n = inputs.Size(0);
        var isCorrect = HostValues.Mask(correct, nameof(correct), n);
        var isSuccessful = HostValues.Mask(success, nameof(success), n);
        double[] ratios;
        using (var scope = TensorScope.Begin())
        {
            using var noGrad = Autograd.NoGrad();
            var x = inputs.Detach().To(DType.Float64);
            var r = adversarials.Detach().To(DType.Float64, x.Device).Sub(x);
            ratios = HostValues.Doubles(norm.Measure(r).Div(norm.Measure(x)), nameof(inputs), n);
        }

        double sumSuccessful = 0, sumCorrect = 0;
        int successful = 0, correctCount = 0;
        for (var i = 0; i < n; i++)
        {
            if (!isCorrect[i])
            {
                continue; // r = 0: the papers' attacks leave misclassified inputs where they are
            }

            correctCount++;
            sumCorrect += ratios[i];
            if (isSuccessful[i])
            {
                successful++;
                sumSuccessful += ratios[i];
            }
        }

        return new RhoAdv(norm.Name, successful == 0 ? null : sumSuccessful / successful, sumCorrect / n, successful, correctCount, (int)n);
    }

    /// <summary>
    /// ρ_adv over the union of disjoint parts (e.g. the batches of a long evaluation): both conventions are the
    /// means over all the parts' inputs, weighted by their counts — not the mean of per-batch means that the margin
    /// code prints.
    /// </summary>
    /// <exception cref="ArgumentException">No parts, or parts measured in different norms.</exception>
    public static RhoAdv Combine(IReadOnlyList<RhoAdv> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("nothing to combine", nameof(parts));
        }

        if (parts.Any(p => p.Norm != parts[0].Norm))
        {
            throw new ArgumentException($"parts measured in different norms: {string.Join(", ", parts.Select(p => p.Norm).Distinct())}", nameof(parts));
        }

        var successful = parts.Sum(p => p.Successful);
        var total = parts.Sum(p => p.Total);
        var overSuccessful = successful == 0 ? (double?)null : parts.Sum(p => (p.OverSuccessful ?? 0) * p.Successful) / successful;
        return new RhoAdv(parts[0].Norm, overSuccessful, parts.Sum(p => p.OverAll * p.Total) / total, successful, parts.Sum(p => p.Correct), total);
    }

    /// <summary>
    /// From a minimum-norm attack's result: its single proposal <see cref="AttackResult.Raw"/>[0] and
    /// <see cref="AttackResult.RawSuccess"/>, against the <paramref name="inputs"/> it attacked.
    /// </summary>
    /// <exception cref="ArgumentException">The result holds one proposal per ε (a fixed-ε attack's).</exception>
    public static RhoAdv From(AttackResult result, Tensor inputs, Tensor correct, Norm? norm = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Raw.Count != 1)
        {
            throw new ArgumentException(
                $"ρ_adv needs one proposal per input (a minimum-norm attack's result); this result has {result.Raw.Count}", nameof(result));
        }

        return From(inputs, result.Raw[0], correct, result.RawSuccess, norm);
    }
}
