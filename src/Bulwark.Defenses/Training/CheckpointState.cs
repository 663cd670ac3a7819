namespace Bulwark.Defenses.Training;

/// <summary>The scalar part of a checkpoint (checkpoint.json); tensors live in the safetensors files beside it.</summary>
public sealed record CheckpointState
{
    /// <summary>Last completed epoch (0-based).</summary>
    public int Epoch { get; init; }

    public double BestValidationLoss { get; init; } = double.PositiveInfinity;

    public int BestEpoch { get; init; }

    public int EpochsWithoutImprovement { get; init; }

    public double LearningRate { get; init; }

    public Bulwark.Torch.Optim.ReduceLROnPlateauState? SchedulerState { get; init; }

    /// <summary>The per-epoch learning-rate decay's state (<see cref="TrainerOptions.LearningRateDecay"/>), null without one.</summary>
    public Bulwark.Torch.Optim.LearningRateSchedulerState? DecayState { get; init; }

    /// <summary>Optimizer steps taken so far (<see cref="TrainerOptions.MaxSteps"/> counts them).</summary>
    public long Steps { get; init; }

    /// <summary>libtorch's default generator (dropout) as base64.</summary>
    public string RngState { get; init; } = "";

    public double TrainSeconds { get; init; }

    public long SamplesSeen { get; init; }

    public bool Finished { get; init; }
}
