namespace Bulwark.Torch.Optim;

/// <summary>How <see cref="ReduceLROnPlateau"/> measures a significant improvement over the best value.</summary>
public enum PlateauThresholdMode
{
    /// <summary>Better than <c>best · (1 ∓ threshold)</c> (PyTorch's <c>'rel'</c>).</summary>
    Relative,

    /// <summary>Better than <c>best ∓ threshold</c> (PyTorch's <c>'abs'</c>).</summary>
    Absolute,
}
