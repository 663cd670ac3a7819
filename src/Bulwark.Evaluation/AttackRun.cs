using System.Diagnostics;
using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>The outcome of one attack over a dataset, in the units the papers report.</summary>
public sealed record AttackRunSummary
{
    [JsonPropertyName("attack")]
    public required string Attack { get; init; }

    [JsonPropertyName("norm")]
    public required string Norm { get; init; }

    [JsonPropertyName("samples")]
    public int Samples { get; init; }

    [JsonPropertyName("clean_accuracy")]
    public double CleanAccuracy { get; init; }

    /// <summary>ε → fraction of inputs both correctly classified and not broken at that ε.</summary>
    [JsonPropertyName("robust_accuracy")]
    public IReadOnlyDictionary<string, double> RobustAccuracy { get; init; } = new Dictionary<string, double>();

    /// <summary>Fraction of correctly classified inputs the attack broke (at any ε for fixed-ε attacks).</summary>
    [JsonPropertyName("success_rate")]
    public double SuccessRate { get; init; }

    /// <summary>Mean perturbation norm over inputs that were correct and successfully attacked.</summary>
    [JsonPropertyName("mean_norm")]
    public double? MeanNorm { get; init; }

    [JsonPropertyName("median_norm")]
    public double? MedianNorm { get; init; }

    /// <summary>ρ_adv = mean ‖r‖/‖x‖ over correct, successfully attacked inputs (minimum-norm attacks).</summary>
    [JsonPropertyName("rho_adv")]
    public double? RhoAdversarial { get; init; }

    /// <summary>ρ_adv over all inputs, misclassified ones counted 0 (the adversary-critic convention).</summary>
    [JsonPropertyName("rho_adv_all")]
    public double? RhoAdversarialAll { get; init; }

    [JsonPropertyName("gradient_evaluations")]
    public long GradientEvaluations { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    [JsonPropertyName("images_per_second")]
    public double ImagesPerSecond { get; init; }
}

/// <summary>
/// Runs an attack over the first samples of a dataset in batches, with ground-truth labels, and summarises it.
/// Adversarial inputs can be kept (the raw proposals, or the clipped ones at the largest ε for fixed-ε attacks).
/// </summary>
public static class AttackRun
{
    public static AttackRunSummary Evaluate(Attack attack, AttackModel model, TensorDataset data, IReadOnlyList<double> epsilons,
        int batchSize = 250, ulong seed = 0, List<Tensor>? adversarials = null, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var isMinimumNorm = attack is MinimumNormAttack;
        var correctAll = new List<bool>();
        var successAll = new List<bool[]>();
        var anySuccess = new List<bool>();
        var norms = new List<double>();
        var ratios = new List<double>();
        long gradients = 0;
        var clock = Stopwatch.StartNew();
        var batchIndex = 0;
        foreach (var batch in new DataLoader(data, batchSize))
        {
            using var scope = TensorScope.Begin();
            var correct = model.Predict(batch.Images).Eq(batch.Labels).ToArray<bool>();
            // each batch gets its own stream, so a slice of the data gives the same result as within the whole
            using var result = attack.Run(model, batch.Images, new Misclassification(batch.Labels), epsilons, seed + (ulong)batchIndex);
            gradients += result.GradientEvaluations;
            var success = result.Success.ToArray<bool>();
            var n = correct.Length;
            for (var i = 0; i < n; i++)
            {
                successAll.Add(Enumerable.Range(0, epsilons.Count).Select(e => success[e * n + i]).ToArray());
            }

            correctAll.AddRange(correct);
            var rawSuccess = result.RawSuccess.ToArray<bool>();
            anySuccess.AddRange(rawSuccess);
            var perturbationNorms = result.Norms.Double().ToArray<double>();
            var inputNorms = attack.Norm.Measure(batch.Images.Double()).ToArray<double>();
            for (var i = 0; i < n; i++)
            {
                norms.Add(perturbationNorms[i]);
                ratios.Add(perturbationNorms[i] / inputNorms[i]);
            }

            if (adversarials is not null)
            {
                var kept = isMinimumNorm || result.Clipped.Count == 0 ? result.Raw[0] : result.Clipped[^1];
                adversarials.Add(scope.Release(kept.Clone()));
            }

            batchIndex++;
            progress?.Report((correctAll.Count, data.Count));
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var total = correctAll.Count;
        var robust = new Dictionary<string, double>();
        for (var e = 0; e < epsilons.Count; e++)
        {
            var kept = Enumerable.Range(0, total).Count(i => correctAll[i] && !successAll[i][e]);
            robust[epsilons[e].ToString(System.Globalization.CultureInfo.InvariantCulture)] = (double)kept / total;
        }

        var broken = Enumerable.Range(0, total).Where(i => correctAll[i] && anySuccess[i] && double.IsFinite(norms[i])).ToList();
        var correctCount = correctAll.Count(c => c);
        var brokenNorms = broken.Select(i => norms[i]).Order().ToList();
        return new AttackRunSummary
        {
            Attack = attack.Name,
            Norm = attack.Norm.Name,
            Samples = total,
            CleanAccuracy = (double)correctCount / total,
            RobustAccuracy = robust,
            SuccessRate = correctCount == 0 ? 0 : (double)broken.Count / correctCount,
            MeanNorm = brokenNorms.Count == 0 ? null : brokenNorms.Average(),
            MedianNorm = brokenNorms.Count == 0 ? null : Median(brokenNorms),
            RhoAdversarial = isMinimumNorm && broken.Count > 0 ? broken.Average(i => ratios[i]) : null,
            RhoAdversarialAll = isMinimumNorm && total > 0 ? Enumerable.Range(0, total).Sum(i => correctAll[i] && double.IsFinite(ratios[i]) ? ratios[i] : 0) / total : null,
            GradientEvaluations = gradients,
            Seconds = seconds,
            ImagesPerSecond = total / seconds,
        };
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
