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
/// Runs an attack over the first samples of a dataset in batches, with ground-truth labels, and summarises it with
/// the metric types of this assembly. Adversarial inputs can be kept (the raw proposals of minimum-norm attacks, the
/// clipped ones at the largest ε for fixed-ε attacks).
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
        using var scope = TensorScope.Begin();
        var corrects = new List<Tensor>();
        var successes = new List<Tensor>();
        var norms = new List<Tensor>();
        var rhos = new List<RhoAdv>();
        long gradients = 0;
        var clock = Stopwatch.StartNew();
        var batchIndex = 0;
        var done = 0;
        foreach (var batch in new DataLoader(data, batchSize))
        {
            var correct = Predictions.Correct(model, batch.Images, batch.Labels);
            // each batch gets its own stream, so a slice of the data gives the same result as within the whole
            using var result = attack.Run(model, batch.Images, new Misclassification(batch.Labels), epsilons, seed + (ulong)batchIndex);
            gradients += result.GradientEvaluations;
            corrects.Add(correct);
            successes.Add(result.Success.Clone());
            norms.Add(result.Norms.Double());
            if (isMinimumNorm)
            {
                rhos.Add(RhoAdv.From(result, batch.Images, correct));
            }

            if (adversarials is not null)
            {
                var kept = isMinimumNorm || result.Clipped.Count == 0 ? result.Raw[0] : result.Clipped[^1];
                adversarials.Add(scope.Release(kept.Clone()));
            }

            batchIndex++;
            done += batch.Count;
            progress?.Report((done, data.Count));
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var allCorrect = Torch.Torch.Cat(corrects);
        var allNorms = Torch.Torch.Cat(norms);
        var curve = RobustAccuracyCurve.From(Torch.Torch.Cat(successes, 1), allCorrect, epsilons);
        var statistics = MinimumNormStatistics.From(allNorms, allCorrect);
        var rho = isMinimumNorm ? RhoAdv.Combine(rhos) : null;
        return new AttackRunSummary
        {
            Attack = attack.Name,
            Norm = attack.Norm.Name,
            Samples = curve.Total,
            CleanAccuracy = curve.CleanAccuracy,
            RobustAccuracy = epsilons.Select((e, i) => (e, i)).ToDictionary(
                p => p.e.ToString(System.Globalization.CultureInfo.InvariantCulture), p => curve.RobustAccuracy[p.i]),
            SuccessRate = statistics.Count / (double)Math.Max(curve.Correct, 1),
            MeanNorm = statistics.Mean,
            MedianNorm = statistics.Median,
            RhoAdversarial = rho?.OverSuccessful,
            RhoAdversarialAll = rho?.OverAll,
            GradientEvaluations = gradients,
            Seconds = seconds,
            ImagesPerSecond = curve.Total / seconds,
        };
    }
}
