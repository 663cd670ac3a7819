using System.Text.Json.Serialization;
using Bulwark.Evaluation;

namespace Bulwark.Experiments;

/// <summary>What one run of a study measured: test accuracy and GNR of its best-validation weights, and its training cost.</summary>
public sealed record StudyRunResult
{
    [JsonPropertyName("run")]
    public required StudyRun Run { get; init; }

    /// <summary>Accuracy on the study's test images, with the best-validation weights.</summary>
    [JsonPropertyName("test_accuracy")]
    public required double TestAccuracy { get; init; }

    /// <summary>GNR on the same test images, with its curve.</summary>
    [JsonPropertyName("robustness")]
    public required GaussianNoiseRobustness Robustness { get; init; }

    /// <summary>Epochs trained (early stopping may end a run before the maximum).</summary>
    [JsonPropertyName("epochs")]
    public required int Epochs { get; init; }

    /// <summary>The epoch (0-based) whose weights were kept.</summary>
    [JsonPropertyName("best_epoch")]
    public required int BestEpoch { get; init; }

    [JsonPropertyName("stopped_early")]
    public bool StoppedEarly { get; init; }

    /// <summary>Seconds spent in training epochs (summed across resumes; validation not included).</summary>
    [JsonPropertyName("train_seconds")]
    public required double TrainSeconds { get; init; }

    /// <summary>Seconds the GNR measurement took.</summary>
    [JsonPropertyName("evaluation_seconds")]
    public double EvaluationSeconds { get; init; }

    /// <summary>The run's trainer directory, relative to the study directory.</summary>
    [JsonPropertyName("run_directory")]
    public required string RunDirectory { get; init; }

    /// <summary>The GNR itself.</summary>
    [JsonIgnore]
    public double Gnr => Robustness.Gnr;
}
