using System.Text.Json.Serialization;

namespace Bulwark.Defenses.Training;

/// <summary>One line of metrics.jsonl.</summary>
public sealed record EpochMetrics
{
    [JsonPropertyName("epoch")]
    public int Epoch { get; init; }

    [JsonPropertyName("train_loss")]
    public double TrainLoss { get; init; }

    [JsonPropertyName("train_accuracy")]
    public double TrainAccuracy { get; init; }

    [JsonPropertyName("validation_loss")]
    public double? ValidationLoss { get; init; }

    [JsonPropertyName("validation_accuracy")]
    public double? ValidationAccuracy { get; init; }

    [JsonPropertyName("learning_rate")]
    public double LearningRate { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }

    [JsonPropertyName("samples_per_second")]
    public double SamplesPerSecond { get; init; }

    [JsonPropertyName("best")]
    public bool IsBest { get; init; }
}

/// <summary>What <see cref="Trainer.Fit"/> returns.</summary>
public sealed record TrainingResult
{
    public required int Epochs { get; init; }

    public required int BestEpoch { get; init; }

    public double? TestAccuracy { get; init; }

    public required double TrainSeconds { get; init; }

    public required double SamplesPerSecond { get; init; }

    public bool StoppedEarly { get; init; }

    public required string RunDirectory { get; init; }

    public required IReadOnlyList<EpochMetrics> History { get; init; }
}

/// <summary>
/// Progress reports for a progress bar: <see cref="Batch"/> of <see cref="Batches"/> in epoch <see cref="Epoch"/>
/// (0-based) of <see cref="Epochs"/>. Under a step budget (<see cref="TrainerOptions.MaxSteps"/>) both count what the
/// budget leaves room for: the epochs it reaches, and the batches of a last, partial epoch.
/// </summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double RunningLoss, double RunningAccuracy);
