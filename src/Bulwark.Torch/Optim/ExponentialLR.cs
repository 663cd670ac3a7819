namespace Bulwark.Torch.Optim;

/// <summary>Multiplies the learning rate by <c>gamma</c> every epoch, as PyTorch's <c>ExponentialLR</c>: <c>lr_t = lr₀ · γᵗ</c>.</summary>
public sealed class ExponentialLR : LearningRateScheduler
{
    public ExponentialLR(Optimizer optimizer, double gamma)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gamma);
        Gamma = gamma;
    }

    public double Gamma { get; }

    public override double LearningRateAt(int epoch, double baseLearningRate) => baseLearningRate * Math.Pow(Gamma, epoch);

    public override string ToString() => $"ExponentialLR(gamma={Gamma})";
}
