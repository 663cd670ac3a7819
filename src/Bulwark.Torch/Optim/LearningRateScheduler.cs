namespace Bulwark.Torch.Optim;

/// <summary>
/// Sets the learning rate of every parameter group from a closed form of the epoch count and the group's base
/// learning rate, as PyTorch's <c>_LRScheduler</c> with its closed forms. The base rates are the groups' rates when
/// the scheduler is made (or <c>initialLearningRate</c>); epoch 0 is the state after construction, and each
/// <see cref="Step"/> moves one epoch on. Because the rate depends only on the epoch, resuming from
/// <see cref="GetState"/> is exact.
/// </summary>
public abstract class LearningRateScheduler
{
    private double[] baseLearningRates;

    /// <param name="optimizer">The optimizer whose groups this scheduler drives.</param>
    /// <param name="initialLearningRate">A start rate for every group, set now; null keeps each group's own rate.</param>
    protected LearningRateScheduler(Optimizer optimizer, double? initialLearningRate = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        if (initialLearningRate is { } start)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(start, nameof(initialLearningRate));
            foreach (var group in optimizer.ParameterGroups)
            {
                group.LearningRate = start;
            }
        }

        baseLearningRates = [.. optimizer.ParameterGroups.Select(g => g.LearningRate)];
    }

    public Optimizer Optimizer { get; }

    /// <summary>Number of <see cref="Step"/> calls so far (PyTorch's <c>last_epoch</c>).</summary>
    public int Epoch { get; private set; }

    /// <summary>The learning rate of each group at epoch 0.</summary>
    public IReadOnlyList<double> BaseLearningRates => baseLearningRates;

    /// <summary>The learning rate each group has now (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLearningRates => [.. Optimizer.ParameterGroups.Select(g => g.LearningRate)];

    /// <summary>Moves one epoch on and sets each group's learning rate.</summary>
    public void Step()
    {
        Epoch++;
        Apply();
    }

    /// <summary>The learning rate at <paramref name="epoch"/> for a group whose base rate is <paramref name="baseLearningRate"/>.</summary>
    public abstract double LearningRateAt(int epoch, double baseLearningRate);

    public LearningRateSchedulerState GetState() => new(Epoch, [.. baseLearningRates]);

    /// <summary>Restores a state from <see cref="GetState"/> and sets the groups' rates for its epoch.</summary>
    /// <exception cref="ArgumentException">The state has another number of groups or a negative epoch.</exception>
    public void LoadState(LearningRateSchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.BaseLearningRates, nameof(state));
        if (state.BaseLearningRates.Count != Optimizer.ParameterGroups.Count)
        {
            throw new ArgumentException(
                $"the state has {state.BaseLearningRates.Count} base learning rates; the optimizer has {Optimizer.ParameterGroups.Count} groups", nameof(state));
        }

        if (state.Epoch < 0)
        {
            throw new ArgumentException($"the state has a negative epoch ({state.Epoch})", nameof(state));
        }

        baseLearningRates = [.. state.BaseLearningRates];
        Epoch = state.Epoch;
        Apply();
    }

    private void Apply()
    {
        var groups = Optimizer.ParameterGroups;
        if (groups.Count != baseLearningRates.Length)
        {
            throw new InvalidOperationException(
                $"the optimizer has {groups.Count} parameter groups but the scheduler was made for {baseLearningRates.Length}; make a new scheduler after adding a group");
        }

        for (var i = 0; i < groups.Count; i++)
        {
            groups[i].LearningRate = LearningRateAt(Epoch, baseLearningRates[i]);
        }
    }
}
