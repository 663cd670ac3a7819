using System.Globalization;
using System.Text.Json.Serialization;
using Bulwark.Evaluation;

namespace Bulwark.Experiments;

/// <summary>The measurements of one trained model of a reproduction.</summary>
public sealed record ReproductionRunResult
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("label")]
    public required string Label { get; init; }

    /// <summary>Clean accuracy on the evaluation's test inputs.</summary>
    [JsonPropertyName("accuracy")]
    public double Accuracy { get; init; }

    /// <summary>ρ_adv under the paper's DeepFool and convention (null: not measured).</summary>
    [JsonPropertyName("rho_adv")]
    public double? Rho { get; init; }

    /// <summary>Fraction of the inputs ρ_adv counts that DeepFool broke (null: not measured); a low value makes ρ_adv meaningless.</summary>
    [JsonPropertyName("deepfool_success_rate")]
    public double? DeepFoolSuccessRate { get; init; }

    [JsonPropertyName("fgsm_epsilons")]
    public IReadOnlyList<double> FgsmEpsilons { get; init; } = [];

    /// <summary>Accuracy under FGSM at each ε of <see cref="FgsmEpsilons"/>.</summary>
    [JsonPropertyName("fgsm_accuracy")]
    public IReadOnlyList<double> FgsmAccuracy { get; init; } = [];

    [JsonPropertyName("jsma_thetas")]
    public IReadOnlyList<double> JsmaThetas { get; init; } = [];

    /// <summary>Accuracy under JSMA at each θ of <see cref="JsmaThetas"/>.</summary>
    [JsonPropertyName("jsma_accuracy")]
    public IReadOnlyList<double> JsmaAccuracy { get; init; } = [];

    [JsonPropertyName("epochs")]
    public int Epochs { get; init; }

    [JsonPropertyName("train_seconds")]
    public double TrainSeconds { get; init; }

    [JsonPropertyName("evaluation_seconds")]
    public double EvaluationSeconds { get; init; }

    /// <summary>The evaluation that produced these measurements (null in results written before it was recorded).</summary>
    [JsonPropertyName("evaluation")]
    public ReproductionEvaluation? Evaluation { get; init; }

    /// <summary>The value of a check metric (<see cref="ReproductionCheck"/>), or null where it was not measured.</summary>
    public double? Metric(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (metric == "accuracy")
        {
            return Accuracy;
        }

        if (metric == "error")
        {
            return 1 - Accuracy;
        }

        if (metric == "rho")
        {
            return Rho;
        }

        if (metric == "fgsm-mean")
        {
            // the curve's height over its attacked points: ε = 0 is clean accuracy, not robustness
            var attacked = FgsmEpsilons.Select((epsilon, i) => (epsilon, i)).Where(p => p.epsilon > 0).Select(p => FgsmAccuracy[p.i]).ToList();
            return attacked.Count > 0 ? attacked.Average() : null;
        }

        if (metric == "jsma-mean")
        {
            return JsmaAccuracy.Count > 0 ? JsmaAccuracy.Average() : null;
        }

        var colon = metric.IndexOf(':');
        if (colon > 0 && double.TryParse(metric[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var epsilon))
        {
            var kind = metric[..colon];
            for (var i = 0; i < FgsmEpsilons.Count; i++)
            {
                if (Math.Abs(FgsmEpsilons[i] - epsilon) < 1e-12)
                {
                    return kind switch
                    {
                        "fgsm" => FgsmAccuracy[i],
                        "fgsm-error" => 1 - FgsmAccuracy[i],
                        _ => throw new ArgumentException($"unknown metric '{metric}'", nameof(metric)),
                    };
                }
            }

            return null;
        }

        throw new ArgumentException($"unknown metric '{metric}'; known: accuracy, error, rho, fgsm:ε, fgsm-error:ε, fgsm-mean, jsma-mean", nameof(metric));
    }
}

/// <summary>A check evaluated: the measured value, the bound it is held to, and whether it holds (null: not measurable yet).</summary>
public sealed record ReproductionCheckResult(
    [property: JsonPropertyName("check")] ReproductionCheck Check,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("bound")] double? Bound,
    [property: JsonPropertyName("holds")] bool? Holds);

/// <summary>A reproduction's measurements, the paper's numbers beside them, and its checks.</summary>
public sealed record ReproductionResult
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("title")]
    public required string Title { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }

    [JsonPropertyName("quick")]
    public bool Quick { get; init; }

    [JsonPropertyName("train_samples")]
    public int? TrainSamples { get; init; }

    [JsonPropertyName("evaluation")]
    public required ReproductionEvaluation Evaluation { get; init; }

    [JsonPropertyName("runs")]
    public required IReadOnlyList<ReproductionRun> Plan { get; init; }

    [JsonPropertyName("results")]
    public required IReadOnlyList<ReproductionRunResult> Results { get; init; }

    [JsonPropertyName("paper")]
    public required IReadOnlyDictionary<string, PaperValues> Paper { get; init; }

    [JsonPropertyName("checks")]
    public required IReadOnlyList<ReproductionCheckResult> Checks { get; init; }

    /// <summary>What makes a measurement doubtful (<see cref="Sanity"/>); empty when nothing does.</summary>
    [JsonPropertyName("warnings")]
    public IReadOnlyList<SanityWarning> Warnings { get; init; } = [];

    [JsonPropertyName("overrides")]
    public IReadOnlyList<string> Overrides { get; init; } = [];

    [JsonPropertyName("notes")]
    public IReadOnlyList<string> Notes { get; init; } = [];

    [JsonPropertyName("updated")]
    public required string Updated { get; init; }

    /// <summary>
    /// The evaluation suite's sanity checks (<see cref="SanityChecks"/>) applied to each run's measurements: FGSM accuracy
    /// at ε = 0 must be the clean accuracy (when both are taken on the same inputs), FGSM accuracy must not rise with ε
    /// by more than <paramref name="fgsmTolerance"/>, and DeepFool must break at least
    /// <paramref name="deepFoolSuccess"/> of the inputs ρ_adv counts. Each failure is a sign of gradient masking (or of
    /// a bug), under which the run looks more robust than it is.
    /// </summary>
    public static IReadOnlyList<SanityWarning> Sanity(IReadOnlyList<ReproductionRunResult> results, double fgsmTolerance = 0.005,
        double deepFoolSuccess = 0.99)
    {
        ArgumentNullException.ThrowIfNull(results);
        var warnings = new List<SanityWarning>();
        foreach (var run in results)
        {
            var fgsm = $"{run.Label}, FGSM";
            var sameInputs = run.Evaluation is not { FgsmSamples: { } fgsmSamples } evaluation || fgsmSamples >= evaluation.TestSamples;
            if (run.FgsmEpsilons.Count > 0 && sameInputs)
            {
                warnings.AddRange(SanityChecks.EpsilonZero(fgsm, run.FgsmEpsilons, run.FgsmAccuracy, run.Accuracy));
            }

            if (run.FgsmEpsilons.Count > 1)
            {
                warnings.AddRange(SanityChecks.Monotonic(fgsm, run.FgsmEpsilons, run.FgsmAccuracy, fgsmTolerance));
            }

            if (run.DeepFoolSuccessRate is { } rate && rate < deepFoolSuccess)
            {
                warnings.Add(new SanityWarning("deepfool-incomplete", string.Create(CultureInfo.InvariantCulture,
                    $"{run.Label}, DeepFool: it broke only {rate:P1} of the inputs ρ_adv counts, so ρ_adv describes the inputs it could move; a model that hides its gradients (gradient masking) defeats DeepFool without being robust, so check this model with stronger attacks (bulwark evaluate --suite standard).")));
            }
        }

        return warnings;
    }

    /// <summary>Evaluates <paramref name="checks"/> on <paramref name="results"/>.</summary>
    public static IReadOnlyList<ReproductionCheckResult> Evaluate(IReadOnlyList<ReproductionCheck> checks, IReadOnlyList<ReproductionRunResult> results)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(results);
        return checks.Select(check =>
        {
            var run = results.FirstOrDefault(r => r.Id == check.Run);
            var value = run?.Metric(check.Metric);
            double? bound = check.Offset;
            if (check.Reference is not null)
            {
                var reference = results.FirstOrDefault(r => r.Id == check.Reference)?.Metric(check.Metric);
                bound = reference is { } r ? check.Factor * r + check.Offset : null;
            }

            bool? holds = value is { } v && bound is { } b ? (check.AtMost ? v <= b : v >= b) : null;
            return new ReproductionCheckResult(check, value, bound, holds);
        }).ToList();
    }
}
