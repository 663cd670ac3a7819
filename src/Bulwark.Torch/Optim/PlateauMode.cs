namespace Bulwark.Torch.Optim;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> watches a metric that should fall (a loss) or rise (an accuracy).</summary>
public enum PlateauMode
{
    Min,
    Max,
}
