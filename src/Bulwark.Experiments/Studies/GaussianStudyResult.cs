using System.Text.Json.Serialization;

namespace Bulwark.Experiments;

/// <summary>A study's record (study.json): its settings and grid, every finished run, and the fair comparison.</summary>
public sealed record GaussianStudyResult
{
    [JsonPropertyName("settings")]
    public required GaussianStudySettings Settings { get; init; }

    [JsonPropertyName("sigmas")]
    public required IReadOnlyList<double> Sigmas { get; init; }

    [JsonPropertyName("alphas")]
    public required IReadOnlyList<double> Alphas { get; init; }

    [JsonPropertyName("augmentation_folds")]
    public required IReadOnlyList<int> AugmentationFolds { get; init; }

    [JsonPropertyName("max_augmentation_sigma")]
    public required double MaxAugmentationSigma { get; init; }

    /// <summary>Quick (smoke) mode: few epochs and images; its numbers say the pipeline works, not what the paper found.</summary>
    [JsonPropertyName("quick")]
    public bool Quick { get; init; }

    /// <summary>The grid's runs, in order.</summary>
    [JsonPropertyName("grid")]
    public required IReadOnlyList<StudyRun> Grid { get; init; }

    /// <summary>The finished runs, in grid order (all of them once the study is complete).</summary>
    [JsonPropertyName("runs")]
    public required IReadOnlyList<StudyRunResult> Runs { get; init; }

    /// <summary>The fair comparison of <see cref="Runs"/>; null until the baseline has finished.</summary>
    [JsonPropertyName("comparison")]
    public FairComparison? Comparison { get; init; }

    /// <summary>Whether every grid point has a result.</summary>
    [JsonIgnore]
    public bool Complete => Runs.Count == Grid.Count;

    /// <summary>When the record was written (UTC, ISO 8601).</summary>
    [JsonPropertyName("updated")]
    public required string Updated { get; init; }
}
