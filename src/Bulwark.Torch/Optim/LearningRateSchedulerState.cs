namespace Bulwark.Torch.Optim;

/// <summary>
/// What a closed-form <see cref="LearningRateScheduler"/> needs to resume: the epoch count and the base learning
/// rate of each parameter group. Serializes to JSON with System.Text.Json.
/// </summary>
public sealed record LearningRateSchedulerState(int Epoch, IReadOnlyList<double> BaseLearningRates);
