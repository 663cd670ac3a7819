using System.Text.Json.Serialization;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Bulwark.Torch.Models;

namespace Bulwark.Experiments;

/// <summary>
/// Everything that decides a study run's numbers: two studies with equal settings train and measure every shared grid
/// point identically, so a study directory can be resumed or extended only with the settings it was made with.
/// (The grid lists and the tolerance are not settings: more σ, α or folds extend a study, and the comparison is recomputed.)
/// </summary>
public sealed record GaussianStudySettings
{
    [JsonPropertyName("dataset")]
    public required string Dataset { get; init; }

    [JsonPropertyName("model")]
    public required ModelSpec Model { get; init; }

    [JsonPropertyName("protocol")]
    public required TrainerOptions Protocol { get; init; }

    /// <summary>Training images (validation split off from these).</summary>
    [JsonPropertyName("train_images")]
    public required int TrainImages { get; init; }

    /// <summary>Test images, on which accuracy and GNR are measured.</summary>
    [JsonPropertyName("test_images")]
    public required int TestImages { get; init; }

    [JsonPropertyName("gnr")]
    public required GaussianNoiseRobustnessOptions Gnr { get; init; }
}
