using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// The records of one or more CIFAR binary batches: images <c>uint8 [N, 3, 32, 32]</c> (channels red, green,
/// blue; rows top to bottom) and labels <c>int64 [N]</c>. Disposing it frees the tensors.
/// </summary>
public sealed class CifarRecords : IDisposable
{
    internal CifarRecords(Tensor images, Tensor labels, Tensor? coarseLabels)
    {
        Images = images;
        Labels = labels;
        CoarseLabels = coarseLabels;
    }

    /// <summary>The images, <c>uint8 [N, 3, 32, 32]</c>.</summary>
    public Tensor Images { get; }

    /// <summary>The labels, <c>int64 [N]</c>: CIFAR-10's class, or CIFAR-100's fine class (0–99).</summary>
    public Tensor Labels { get; }

    /// <summary>CIFAR-100's coarse class (superclass, 0–19), <c>int64 [N]</c>; null for CIFAR-10.</summary>
    public Tensor? CoarseLabels { get; }

    /// <summary>Number of records.</summary>
    public long Count => Labels.Size(0);

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
        CoarseLabels?.Dispose();
    }
}
