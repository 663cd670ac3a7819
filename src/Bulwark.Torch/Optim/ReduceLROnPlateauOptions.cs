namespace Bulwark.Torch.Optim;

/// <summary>Settings of <see cref="ReduceLROnPlateau"/>, with PyTorch's defaults.</summary>
public sealed record ReduceLROnPlateauOptions
{
    public PlateauMode Mode { get; init; } = PlateauMode.Min;

    /// <summary>Multiplies the learning rate on a plateau; below 1.</summary>
    public double Factor { get; init; } = 0.1;

    /// <summary>Epochs without significant improvement that are tolerated; the next one reduces the rate.</summary>
    public int Patience { get; init; } = 10;

    /// <summary>How much better than the best a value must be to count as an improvement.</summary>
    public double Threshold { get; init; } = 1e-4;

    public PlateauThresholdMode ThresholdMode { get; init; } = PlateauThresholdMode.Relative;

    /// <summary>Epochs after a reduction during which bad epochs are not counted.</summary>
    public int Cooldown { get; init; }

    /// <summary>The learning rate never goes below this.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>A reduction smaller than this is skipped.</summary>
    public double Eps { get; init; } = 1e-8;
}
