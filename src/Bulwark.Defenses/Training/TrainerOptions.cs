namespace Bulwark.Defenses.Training;

/// <summary>
/// The training protocol of the papers: optimizer, batch, epochs, optional validation split with learning-rate
/// decay on plateau, early stopping and best-validation weights. Defaults give a plain 10-epoch Adam run.
/// </summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 128;

    /// <summary>Batch size for validation and test passes (no gradients).</summary>
    public int EvaluationBatchSize { get; init; } = 1000;

    public ulong Seed { get; init; }

    /// <summary>sgd, adam or rmsprop.</summary>
    public string Optimizer { get; init; } = "adam";

    public double LearningRate { get; init; } = 1e-3;

    public double WeightDecay { get; init; }

    /// <summary>
    /// Which parameters <see cref="WeightDecay"/> applies to: null for all of them (PyTorch's <c>weight_decay</c>), or
    /// <c>hidden-weights</c>: the weights of every layer but the output layer, and no bias, as the L2 loss of TensorFlow's
    /// MNIST tutorial that the Jacobian paper's reference trains with. A weight is a parameter of two or more dimensions;
    /// the output layer's is the last of them.
    /// </summary>
    public string? WeightDecayOn { get; init; }

    /// <summary>
    /// ε of Adam and RMSprop, added to the root of the second moment (null = PyTorch's 1e-8). The double-backprop
    /// reference trains with TensorFlow's Adam at ε = 1e-4.
    /// </summary>
    public double? Epsilon { get; init; }

    /// <summary>Momentum for SGD and RMSprop.</summary>
    public double Momentum { get; init; }

    public bool Nesterov { get; init; }

    /// <summary>Fraction of the training set held out for validation (0 = none; the papers use 0.1).</summary>
    public double ValidationSplit { get; init; }

    /// <summary>ReduceLROnPlateau on validation loss: multiply the rate by this factor (null = no decay).</summary>
    public double? PlateauFactor { get; init; }

    public int PlateauPatience { get; init; } = 3;

    /// <summary>Stop after this many epochs without validation-loss improvement (null = never).</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Drop the last incomplete training batch (the moment-regularizer reference does).</summary>
    public bool DropLast { get; init; }

    /// <summary>Gaussian noise augmentation of the training set (null = none).</summary>
    public GaussianAugmentation? Augmentation { get; init; }

    /// <summary>
    /// A safetensors weights file (e.g. another run's <c>best.safetensors</c>) loaded into the new model before training:
    /// the Jacobian paper's post-processing protocol (train plainly, then go on with the regularizer and a fresh optimizer,
    /// which a new run has). Recorded in config.json; a resumed run continues from its checkpoint and does not load it again.
    /// </summary>
    public string? InitialWeights { get; init; }

    /// <summary>
    /// Multiply the learning rate by this factor after every epoch (PyTorch's <c>ExponentialLR</c>; the margin paper's 0.95);
    /// null = no decay. Its epoch count is checkpointed, so a resumed run goes on with the rate it stopped at. Cannot be
    /// combined with <see cref="PlateauFactor"/>.
    /// </summary>
    public double? LearningRateDecay { get; init; }

    /// <summary>
    /// Stop after this many optimizer steps in all (the Jacobian paper counts iterations: 20001 plain, then 4500), even in
    /// the middle of an epoch, which is then recorded as the last; null = only <see cref="Epochs"/> bounds the run (set it
    /// high enough for the steps). The count is checkpointed: a resumed run stops at the same step.
    /// </summary>
    public long? MaxSteps { get; init; }

    /// <summary>Catalog name of the training data (e.g. <c>mnist</c>), recorded in config.json so that later commands find it.</summary>
    public string? Dataset { get; init; }

    /// <summary>
    /// Whether a run at <paramref name="state"/> has nothing left to train under these options: it stopped early, or has
    /// spent its epochs or its steps.
    /// </summary>
    public bool IsCompletedBy(CheckpointState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Finished || state.Epoch + 1 >= Epochs || state.Steps >= MaxSteps;
    }

    public override string ToString() =>
        $"{Optimizer} lr={LearningRate} batch={BatchSize} epochs={Epochs} seed={Seed}" +
        (ValidationSplit > 0 ? $" val={ValidationSplit}" : "") +
        (PlateauFactor is { } f ? $" plateau(×{f}, {PlateauPatience})" : "") +
        (EarlyStoppingPatience is { } p ? $" early-stop({p})" : "") +
        (LearningRateDecay is { } g ? $" decay(×{g}/epoch)" : "") +
        (MaxSteps is { } m ? $" max-steps={m}" : "") +
        (InitialWeights is { } w ? $" from={w}" : "") +
        (Augmentation is { } a ? $" {a}" : "");
}
