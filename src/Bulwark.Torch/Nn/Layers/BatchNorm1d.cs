namespace Bulwark.Torch.Nn;

/// <summary>
/// Batch normalisation over [N, C] (statistics per feature over the batch) or [N, C, L], with running statistics, as
/// PyTorch's <c>BatchNorm1d</c>: e.g. after a fully connected layer.
/// </summary>
public sealed class BatchNorm1d : BatchNorm
{
    public BatchNorm1d(long numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true)
        : base(numFeatures, eps, momentum, affine)
    {
    }

    protected override string ExpectedRanks => "2D or 3D";

    protected override bool AcceptsRank(long rank) => rank is 2 or 3;
}
