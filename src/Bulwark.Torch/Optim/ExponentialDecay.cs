namespace Bulwark.Torch.Optim;

/// <summary>
/// Moves the learning rate geometrically from its start to <c>endLearningRate</c> over <c>steps</c> epochs and holds
/// it there: <c>lr_t = lr₀ · (end / lr₀)^(min(t, N) / N)</c>. The start is each group's rate, or
/// <c>startLearningRate</c> for all groups; both ends must be positive.
/// </summary>
public sealed class ExponentialDecay : LearningRateScheduler
{
    public ExponentialDecay(Optimizer optimizer, double endLearningRate, int steps, double? startLearningRate = null)
        : base(optimizer, startLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(endLearningRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (BaseLearningRates.Any(rate => rate <= 0))
        {
            throw new ArgumentException("exponential decay needs positive start learning rates", nameof(optimizer));
        }

        EndLearningRate = endLearningRate;
        Steps = steps;
    }

    public double EndLearningRate { get; }

    /// <summary>Epochs N from the start rate to the end rate.</summary>
    public int Steps { get; }

    public override double LearningRateAt(int epoch, double baseLearningRate) =>
        epoch >= Steps ? EndLearningRate : baseLearningRate * Math.Pow(EndLearningRate / baseLearningRate, (double)epoch / Steps);

    public override string ToString() => $"ExponentialDecay(end={EndLearningRate}, steps={Steps})";
}
