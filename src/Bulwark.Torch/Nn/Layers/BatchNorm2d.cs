namespace Bulwark.Torch.Nn;

/// <summary>Batch normalisation over [N, C, H, W] with running statistics, as PyTorch's <c>BatchNorm2d</c>.</summary>
public sealed class BatchNorm2d : Module
{
    public BatchNorm2d(long numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true)
    {
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        Weight = affine ? RegisterParameter("weight", Torch.Ones(numFeatures)) : null;
        Bias = affine ? RegisterParameter("bias", Torch.Zeros(numFeatures)) : null;
        RunningMean = RegisterBuffer("running_mean", Torch.Zeros(numFeatures));
        RunningVar = RegisterBuffer("running_var", Torch.Ones(numFeatures));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", Torch.Zeros([], DType.Int64));
    }

    public long NumFeatures { get; }

    public double Eps { get; }

    public double Momentum { get; }

    public Tensor? Weight { get; }

    public Tensor? Bias { get; }

    public Tensor RunningMean { get; }

    public Tensor RunningVar { get; }

    public Tensor NumBatchesTracked { get; }

    public override Tensor Forward(Tensor input)
    {
        if (Training)
        {
            using var noGrad = Autograd.NoGrad();
            NumBatchesTracked.Add_(1);
        }

        return Functional.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, Training, Momentum, Eps);
    }

    protected override string Describe() => $"BatchNorm2d({NumFeatures}, eps={Eps}, momentum={Momentum})";
}
