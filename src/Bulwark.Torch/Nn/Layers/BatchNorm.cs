namespace Bulwark.Torch.Nn;

/// <summary>
/// Batch normalisation over the channel dimension (dimension 1) with running statistics: what PyTorch's
/// <c>BatchNorm1d</c> and <c>BatchNorm2d</c> share. In training mode it normalises with the batch's own statistics, so
/// the samples of a batch interact, and updates the running ones; in evaluation mode it uses the running ones.
/// </summary>
public abstract class BatchNorm : Module
{
    /// <param name="numFeatures">C, the size of dimension 1.</param>
    /// <param name="eps">Added to the variance before its square root.</param>
    /// <param name="momentum">Weight of the new batch in the running statistics (TensorFlow's decay is 1 − momentum).</param>
    /// <param name="affine">Learn a per-channel scale (weight, from 1) and shift (bias, from 0).</param>
    protected BatchNorm(long numFeatures, double eps, double momentum, bool affine)
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

    /// <summary>The input ranks the layer takes, e.g. "4D" or "2D or 3D", for its error message.</summary>
    protected abstract string ExpectedRanks { get; }

    /// <summary>Whether the layer takes an input of rank <paramref name="rank"/>.</summary>
    protected abstract bool AcceptsRank(long rank);

    /// <exception cref="ArgumentException">The input's rank is not one the layer takes.</exception>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!AcceptsRank(input.Dim))
        {
            throw new ArgumentException($"{GetType().Name} expected {ExpectedRanks} input (got {input.Dim}D input)", nameof(input));
        }

        if (Training)
        {
            using var noGrad = Autograd.NoGrad();
            NumBatchesTracked.Add_(1);
        }

        return Functional.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, Training, Momentum, Eps);
    }

    protected override string Describe() => $"{GetType().Name}({NumFeatures}, eps={Eps}, momentum={Momentum})";
}
