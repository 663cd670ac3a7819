using System.Text.Json.Serialization;

namespace Bulwark.Evaluation;

/// <summary>
/// Everything an evaluation suite measured about one model: the data behind report.json, report.md and report.html.
/// Plain data (no tensors), so it serialises with <see cref="MetricsJson"/> and reads back for rendering.
/// </summary>
public sealed record RobustnessReport
{
    /// <summary>The suite's name (e.g. "standard").</summary>
    [JsonPropertyName("suite")]
    public required string Suite { get; init; }

    /// <summary>The run directory evaluated (as given).</summary>
    [JsonPropertyName("run")]
    public required string Run { get; init; }

    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("dataset")]
    public required string Dataset { get; init; }

    /// <summary>Test inputs evaluated (the first N of the test set).</summary>
    [JsonPropertyName("samples")]
    public int Samples { get; init; }

    [JsonPropertyName("clean_accuracy")]
    public double CleanAccuracy { get; init; }

    [JsonPropertyName("seed")]
    public ulong Seed { get; init; }

    /// <summary>UTC time the report was written, ISO 8601.</summary>
    [JsonPropertyName("created")]
    public required string Created { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    /// <summary>One entry per attack run (each attack in each norm).</summary>
    [JsonPropertyName("attacks")]
    public IReadOnlyList<AttackReport> Attacks { get; init; } = [];

    /// <summary>Per norm, the pointwise worst case over that norm's attacks (AutoAttack's rule).</summary>
    [JsonPropertyName("worst_case")]
    public IReadOnlyList<WorstCaseReport> WorstCase { get; init; } = [];

    /// <summary>The Gaussian-noise robustness curve and its area (METHODS §1); null when the suite skips it.</summary>
    [JsonPropertyName("gnr")]
    public GaussianNoiseRobustness? Gnr { get; init; }

    /// <summary>Accuracy under additive random noise, one entry per distribution.</summary>
    [JsonPropertyName("noise")]
    public IReadOnlyList<NoiseAccuracy> Noise { get; init; } = [];

    /// <summary>Sanity checks that failed: signs of gradient masking or of a broken evaluation.</summary>
    [JsonPropertyName("warnings")]
    public IReadOnlyList<SanityWarning> Warnings { get; init; } = [];

    /// <summary>A few clean / adversarial pairs for the image grid.</summary>
    [JsonPropertyName("examples")]
    public IReadOnlyList<AdversarialExample> Examples { get; init; } = [];

    /// <summary>The moment-regularizer paper's Table 4 row (suite "moment-paper"); null, and absent from the JSON, otherwise.</summary>
    [JsonPropertyName("moment_paper")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public MomentPaperTable? MomentPaper { get; init; }
}

/// <summary>One attack's results over the evaluated inputs.</summary>
public sealed record AttackReport
{
    [JsonPropertyName("attack")]
    public required string Attack { get; init; }

    /// <summary>"linf", "l2", "l1", "l0" or "pixel-l0".</summary>
    [JsonPropertyName("norm")]
    public required string Norm { get; init; }

    /// <summary>"fixed-epsilon" or "minimum-norm".</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>The ε grid of <see cref="RobustAccuracy"/> (for minimum-norm attacks, derived from the norms).</summary>
    [JsonPropertyName("epsilons")]
    public IReadOnlyList<double> Epsilons { get; init; } = [];

    /// <summary>Robust accuracy at each ε of <see cref="Epsilons"/> (fraction of all inputs correct and not broken).</summary>
    [JsonPropertyName("robust_accuracy")]
    public IReadOnlyList<double> RobustAccuracy { get; init; } = [];

    /// <summary>Fraction of correctly classified inputs the attack broke.</summary>
    [JsonPropertyName("success_rate")]
    public double SuccessRate { get; init; }

    /// <summary>Mean perturbation norm over inputs correct and broken; null when none.</summary>
    [JsonPropertyName("mean_norm")]
    public double? MeanNorm { get; init; }

    [JsonPropertyName("median_norm")]
    public double? MedianNorm { get; init; }

    [JsonPropertyName("rho_adv")]
    public double? RhoAdversarial { get; init; }

    [JsonPropertyName("rho_adv_all")]
    public double? RhoAdversarialAll { get; init; }

    /// <summary>The finite per-input norms of the inputs correct and broken (for the histogram).</summary>
    [JsonPropertyName("norms")]
    public IReadOnlyList<double> Norms { get; init; } = [];

    [JsonPropertyName("gradient_evaluations")]
    public long GradientEvaluations { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    /// <summary>
    /// For an ensemble (AutoAttack's rule): its members in the order they ran, with the robust accuracy left after
    /// each (cumulative, at <see cref="Epsilons"/>); empty for a single attack.
    /// </summary>
    [JsonPropertyName("members")]
    public IReadOnlyList<EnsembleMemberReport> Members { get; init; } = [];
}

/// <summary>One member of an ensemble: robust accuracy after it and the members before it, at the ensemble's ε grid.</summary>
public sealed record EnsembleMemberReport
{
    [JsonPropertyName("attack")]
    public required string Attack { get; init; }

    /// <summary>Fraction of all inputs correct and not broken by this member or any before it, at each ε.</summary>
    [JsonPropertyName("robust_accuracy")]
    public IReadOnlyList<double> RobustAccuracy { get; init; } = [];

    /// <summary>Per ε, the inputs this member was run on (those still robust when its turn came).</summary>
    [JsonPropertyName("attempted")]
    public IReadOnlyList<int> Attempted { get; init; } = [];

    [JsonPropertyName("gradient_evaluations")]
    public long GradientEvaluations { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }
}

/// <summary>Per norm: robust accuracy when every attack of that norm is tried on every input (worst case per input).</summary>
public sealed record WorstCaseReport
{
    [JsonPropertyName("norm")]
    public required string Norm { get; init; }

    [JsonPropertyName("epsilons")]
    public IReadOnlyList<double> Epsilons { get; init; } = [];

    [JsonPropertyName("robust_accuracy")]
    public IReadOnlyList<double> RobustAccuracy { get; init; } = [];

    /// <summary>The attacks combined, in the order run.</summary>
    [JsonPropertyName("attacks")]
    public IReadOnlyList<string> Attacks { get; init; } = [];
}

/// <summary>A failed sanity check, as AutoAttack's checks and ART's security curve report them.</summary>
/// <param name="Code">Stable identifier, e.g. "eps-zero-accuracy", "non-monotonic", "unbounded-not-total", "zero-gradient", "nan-gradient", "noise-beats-gradient".</param>
/// <param name="Message">What was seen and what it suggests, in one or two sentences.</param>
public sealed record SanityWarning(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);

/// <summary>One input and its adversarial counterpart, pixels row-major [C, H, W] in the box.</summary>
public sealed record AdversarialExample
{
    [JsonPropertyName("index")]
    public int Index { get; init; }

    [JsonPropertyName("attack")]
    public required string Attack { get; init; }

    [JsonPropertyName("norm")]
    public required string Norm { get; init; }

    [JsonPropertyName("label")]
    public int Label { get; init; }

    [JsonPropertyName("clean_prediction")]
    public int CleanPrediction { get; init; }

    [JsonPropertyName("adversarial_prediction")]
    public int AdversarialPrediction { get; init; }

    /// <summary>The perturbation's norm in <see cref="Norm"/>.</summary>
    [JsonPropertyName("perturbation_norm")]
    public double PerturbationNorm { get; init; }

    /// <summary>[C, H, W].</summary>
    [JsonPropertyName("shape")]
    public IReadOnlyList<int> Shape { get; init; } = [];

    [JsonPropertyName("clean")]
    public IReadOnlyList<float> Clean { get; init; } = [];

    [JsonPropertyName("adversarial")]
    public IReadOnlyList<float> Adversarial { get; init; } = [];
}
