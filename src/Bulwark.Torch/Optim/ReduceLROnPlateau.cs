namespace Bulwark.Torch.Optim;

/// <summary>
/// Lowers the learning rate when a metric stops improving, with the semantics of PyTorch's
/// <c>ReduceLROnPlateau</c>: a value better than the best by more than the threshold resets the count of bad epochs;
/// when that count exceeds <see cref="ReduceLROnPlateauOptions.Patience"/>, every group's rate is multiplied by
/// <see cref="ReduceLROnPlateauOptions.Factor"/> (not below the minimum), and for
/// <see cref="ReduceLROnPlateauOptions.Cooldown"/> epochs bad epochs are not counted.
/// <code>
/// var plateau = new ReduceLROnPlateau(optimizer, new ReduceLROnPlateauOptions { Factor = 0.5, Patience = 5 });
/// foreach (var epoch in ...) { Train(); plateau.Step(validationLoss); }
/// </code>
/// </summary>
public sealed class ReduceLROnPlateau
{
    public ReduceLROnPlateau(Optimizer optimizer, ReduceLROnPlateauOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new ReduceLROnPlateauOptions();
        if (options.Factor is not (>= 0 and < 1))
        {
            throw new ArgumentException($"factor must be in [0, 1), not {options.Factor}", nameof(options));
        }

        if (options.Patience < 0 || options.Cooldown < 0 || options.Threshold < 0 || options.MinLearningRate < 0 || options.Eps < 0)
        {
            throw new ArgumentException($"patience, cooldown, threshold, minimum rate and eps must be non-negative: {options}", nameof(options));
        }

        Optimizer = optimizer;
        Options = options;
        Best = WorstValue;
    }

    public Optimizer Optimizer { get; }

    public ReduceLROnPlateauOptions Options { get; }

    /// <summary>Number of <see cref="Step"/> calls so far (PyTorch's <c>last_epoch</c>).</summary>
    public int Epoch { get; private set; }

    /// <summary>The best metric so far; +∞ (mode Min) or −∞ (mode Max) before the first step.</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive epochs without significant improvement (PyTorch's <c>num_bad_epochs</c>).</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Epochs of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    public bool InCooldown => CooldownCounter > 0;

    /// <summary>The learning rate each group has now.</summary>
    public IReadOnlyList<double> LastLearningRates => [.. Optimizer.ParameterGroups.Select(g => g.LearningRate)];

    /// <summary>Records one epoch's metric; returns whether any group's learning rate was reduced.</summary>
    public bool Step(double metric)
    {
        Epoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            BadEpochs = 0;
        }
        else
        {
            BadEpochs++;
        }

        if (InCooldown)
        {
            CooldownCounter--;
            BadEpochs = 0;
        }

        if (BadEpochs <= Options.Patience)
        {
            return false;
        }

        var reduced = false;
        foreach (var group in Optimizer.ParameterGroups)
        {
            var old = group.LearningRate;
            var lowered = Math.Max(old * Options.Factor, Options.MinLearningRate);
            if (old - lowered > Options.Eps)
            {
                group.LearningRate = lowered;
                reduced = true;
            }
        }

        CooldownCounter = Options.Cooldown;
        BadEpochs = 0;
        return reduced;
    }

    public ReduceLROnPlateauState GetState() => new(Epoch, Best, BadEpochs, CooldownCounter);

    /// <summary>Restores a state from <see cref="GetState"/>; the learning rates themselves live in the optimizer's state dict.</summary>
    public void LoadState(ReduceLROnPlateauState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Epoch < 0 || state.BadEpochs < 0 || state.CooldownCounter < 0)
        {
            throw new ArgumentException($"the state has a negative count: {state}", nameof(state));
        }

        Epoch = state.Epoch;
        Best = state.Best;
        BadEpochs = state.BadEpochs;
        CooldownCounter = state.CooldownCounter;
    }

    public override string ToString() => $"ReduceLROnPlateau({Options})";

    private double WorstValue => Options.Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    private bool IsBetter(double value, double best) => (Options.Mode, Options.ThresholdMode) switch
    {
        (PlateauMode.Min, PlateauThresholdMode.Relative) => value < best * (1 - Options.Threshold),
        (PlateauMode.Min, PlateauThresholdMode.Absolute) => value < best - Options.Threshold,
        (PlateauMode.Max, PlateauThresholdMode.Relative) => value > best * (Options.Threshold + 1),
        _ => value > best + Options.Threshold,
    };
}
