using Bulwark.Torch.Models;

namespace Bulwark.Defenses.Tests;

/// <summary>The small model the trainer tests train: an MLP on 1×4×4 images of <see cref="SeparableData"/>.</summary>
internal static class TinyRuns
{
    public static ModelSpec Mlp(double dropout = 0) => new()
    {
        Architecture = "mlp",
        Channels = 1,
        ImageSize = SeparableData.Side,
        Classes = SeparableData.Classes,
        Widths = [16],
        Dropout = dropout,
    };

    /// <summary>The hyperplanes every trainer test draws its points from.</summary>
    public static SeparableData Problem { get; } = new(problemSeed: 7);
}
