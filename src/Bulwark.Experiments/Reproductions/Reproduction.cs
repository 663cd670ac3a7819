using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.Torch.Models;

namespace Bulwark.Experiments;

/// <summary>Which inputs ρ_adv averages over (<see cref="Evaluation.RhoAdv"/>).</summary>
public enum RhoConvention
{
    /// <summary>All test inputs, a misclassified one counting 0 (the Jacobian paper's ρ̂_adv = 1/N Σ d_i/‖x_i‖, DeepFool attacking the prediction).</summary>
    OverAll,

    /// <summary>Inputs classified correctly and broken (the margin paper's D, its <c>l2_df_skip_norm</c>).</summary>
    OverSuccessful,
}

/// <summary>
/// A paper's evaluation of each trained model: clean accuracy, ρ_adv from DeepFool, accuracy under FGSM over a list of
/// ε and under JSMA over a list of θ, each on the first samples of the test set.
/// </summary>
public sealed record ReproductionEvaluation
{
    /// <summary>Test inputs for accuracy and ρ_adv (the first ones of the test set).</summary>
    public int TestSamples { get; init; } = 10_000;

    /// <summary>DeepFool as the paper ran it (null: no ρ_adv).</summary>
    public DeepFoolOptions? DeepFool { get; init; }

    /// <summary>DeepFool attacks the model's prediction (LTS4) rather than the true label (the margin paper's variant).</summary>
    public bool DeepFoolOnPrediction { get; init; }

    public RhoConvention Rho { get; init; }

    /// <summary>ℓ∞ budgets of FGSM, in pixel space [0, 1] (empty: no FGSM).</summary>
    public IReadOnlyList<double> FgsmEpsilons { get; init; } = [];

    /// <summary>Test inputs for FGSM (null: <see cref="TestSamples"/>).</summary>
    public int? FgsmSamples { get; init; }

    /// <summary>JSMA's per-pixel change θ, one attack per value (empty: no JSMA).</summary>
    public IReadOnlyList<double> JsmaThetas { get; init; } = [];

    /// <summary>JSMA's γ: the largest fraction of pixels it may change.</summary>
    public double JsmaMaxDistortion { get; init; } = 80.0 / 784;

    /// <summary>Test inputs for JSMA (null: <see cref="TestSamples"/>).</summary>
    public int? JsmaSamples { get; init; }

    /// <summary>Inputs per attack batch.</summary>
    public int BatchSize { get; init; } = 500;
}

/// <summary>One trained model of a reproduction: its paper row label, architecture, protocol and objective.</summary>
/// <param name="Id">Directory name of the run.</param>
/// <param name="Label">The row of the paper's table it reproduces.</param>
/// <param name="Model">Architecture and input standardisation.</param>
/// <param name="Training">The training protocol.</param>
/// <param name="Objective">Objective name for <see cref="Objectives.Create(string, ObjectiveSettings?)"/>.</param>
/// <param name="Settings">The objective's knobs.</param>
/// <param name="InitFrom">Id of the run whose best weights this one starts from (the post-processing protocol), or null.</param>
public sealed record ReproductionRun(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("model")] ModelSpec Model,
    [property: JsonPropertyName("training")] TrainerOptions Training,
    [property: JsonPropertyName("objective")] string Objective,
    [property: JsonPropertyName("settings")] ObjectiveSettings Settings,
    [property: JsonPropertyName("init_from")] string? InitFrom = null);

/// <summary>What the paper reports for one row; null where it reports nothing.</summary>
public sealed record PaperValues
{
    /// <summary>Clean test accuracy (a fraction).</summary>
    [JsonPropertyName("accuracy")]
    public double? Accuracy { get; init; }

    [JsonPropertyName("rho_adv")]
    public double? Rho { get; init; }

    /// <summary>Accuracy under FGSM at ε (fractions), by ε.</summary>
    [JsonPropertyName("fgsm_accuracy")]
    public IReadOnlyDictionary<double, double>? FgsmAccuracy { get; init; }
}

/// <summary>
/// One paper result as a runnable configuration: the models to train (in order; a run may start from an earlier one's
/// weights), the paper's evaluation, and the paper's numbers to set the measurements against.
/// </summary>
public sealed record Reproduction
{
    /// <summary>Command-line name, e.g. <c>jacobian-table2</c>.</summary>
    public required string Name { get; init; }

    public required string Title { get; init; }

    /// <summary>The paper and table or figure reproduced.</summary>
    public required string Source { get; init; }

    public required IReadOnlyList<ReproductionRun> Runs { get; init; }

    public required ReproductionEvaluation Evaluation { get; init; }

    /// <summary>The paper's numbers by run label.</summary>
    public required IReadOnlyDictionary<string, PaperValues> Paper { get; init; }

    /// <summary>Training images used (null: the whole training set).</summary>
    public int? TrainSamples { get; init; }

    /// <summary>Whether this is the reduced <c>--quick</c> variant.</summary>
    public bool Quick { get; init; }

    /// <summary>What differs from the paper's protocol, said plainly in the report.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// What the user changed from the catalog's protocol (<see cref="ReproductionCatalog.Override"/>), recorded in the
    /// report; empty for the catalog's own settings.
    /// </summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>The checks the paper's claim implies, e.g. "ρ̂_adv of Jacobian ≥ 1.5 × no defense" (see <see cref="ReproductionCheck"/>).</summary>
    public IReadOnlyList<ReproductionCheck> Checks { get; init; } = [];
}

/// <summary>
/// A claim to check on the measurements: <c>metric(run) ≥ bound</c> (≤ with <paramref name="AtMost"/>), where
/// <c>bound = Factor·metric(Reference) + Offset</c>, or just <c>Offset</c> without a reference. Metrics: <c>accuracy</c>,
/// <c>error</c> (1 − accuracy), <c>rho</c>, <c>fgsm:ε</c> (accuracy under FGSM at ε), <c>fgsm-error:ε</c>, and the mean
/// heights of the accuracy curves, <c>fgsm-mean</c> (over the evaluated ε &gt; 0) and <c>jsma-mean</c> (over the evaluated θ),
/// which order defenses as a figure of curves does.
/// </summary>
public sealed record ReproductionCheck(
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("reference")] string? Reference = null,
    [property: JsonPropertyName("factor")] double Factor = 1,
    [property: JsonPropertyName("offset")] double Offset = 0,
    [property: JsonPropertyName("at_most")] bool AtMost = false);
