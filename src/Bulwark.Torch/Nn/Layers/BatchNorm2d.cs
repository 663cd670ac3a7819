namespace Bulwark.Torch.Nn;

/// <summary>Batch normalisation over [N, C, H, W] with running statistics, as PyTorch's <c>BatchNorm2d</c>.</summary>
public sealed class BatchNorm2d : BatchNorm
{
    public BatchNorm2d(long numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true)
        : base(numFeatures, eps, momentum, affine)
    {
    }

    protected override string ExpectedRanks => "4D";

    protected override bool AcceptsRank(long rank) => rank == 4;
}
