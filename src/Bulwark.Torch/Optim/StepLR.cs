namespace Bulwark.Torch.Optim;

/// <summary>
/// Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> epochs, as PyTorch's <c>StepLR</c>:
/// <c>lr_t = lr₀ · γ^⌊t / stepSize⌋</c>.
/// </summary>
public sealed class StepLR : LearningRateScheduler
{
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        ArgumentOutOfRangeException.ThrowIfNegative(gamma);
        StepSize = stepSize;
        Gamma = gamma;
    }

    public int StepSize { get; }

    public double Gamma { get; }

    public override double LearningRateAt(int epoch, double baseLearningRate) =>
        baseLearningRate * Math.Pow(Gamma, epoch / StepSize);

    public override string ToString() => $"StepLR(stepSize={StepSize}, gamma={Gamma})";
}
