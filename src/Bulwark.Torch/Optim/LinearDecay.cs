namespace Bulwark.Torch.Optim;

/// <summary>
/// Moves the learning rate in a straight line from its start to <c>endLearningRate</c> over <c>steps</c> epochs and
/// holds it there: <c>lr_t = lr₀ + (end − lr₀) · min(t, N) / N</c>. The start is each group's rate, or
/// <c>startLearningRate</c> for all groups.
/// </summary>
public sealed class LinearDecay : LearningRateScheduler
{
    public LinearDecay(Optimizer optimizer, double endLearningRate, int steps, double? startLearningRate = null)
        : base(optimizer, startLearningRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(endLearningRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        EndLearningRate = endLearningRate;
        Steps = steps;
    }

    public double EndLearningRate { get; }

    /// <summary>Epochs N from the start rate to the end rate.</summary>
    public int Steps { get; }

    public override double LearningRateAt(int epoch, double baseLearningRate) =>
        epoch >= Steps ? EndLearningRate : baseLearningRate + ((EndLearningRate - baseLearningRate) * epoch / Steps);

    public override string ToString() => $"LinearDecay(end={EndLearningRate}, steps={Steps})";
}
