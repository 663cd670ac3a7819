using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// A batch of samples: images <c>float32 [B, C, H, W]</c> in [0, 1] and labels <c>int64 [B]</c>.
/// Deconstructs as <c>var (images, labels) = batch;</c>. Disposing it frees both tensors.
/// </summary>
public readonly record struct DataBatch(Tensor Images, Tensor Labels) : IDisposable
{
    /// <summary>Number of samples in the batch.</summary>
    public int Count => checked((int)Labels.Size(0));

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
