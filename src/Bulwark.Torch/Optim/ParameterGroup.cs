namespace Bulwark.Torch.Optim;

/// <summary>
/// Parameters that share one set of optimizer settings (PyTorch's <c>param_groups</c> entry). The group holds
/// references to the caller's tensors and never disposes them.
/// </summary>
public sealed class ParameterGroup
{
    private OptimizerOptions options;

    public ParameterGroup(IEnumerable<Tensor> parameters, OptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        Parameters = [.. parameters];
        this.options = options;
    }

    /// <summary>The parameters, in the order the optimizer numbers them in its state dict.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>
    /// The group's settings. A new record replaces the old one; the optimizer that owns the group checks it first
    /// (<see cref="ArgumentException"/> for the wrong options type or a value out of range).
    /// </summary>
    public OptimizerOptions Options
    {
        get => options;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Owner?.CheckOptions(value);
            options = value;
        }
    }

    /// <summary>Shortcut for the learning rate of <see cref="Options"/>; setting it replaces the record.</summary>
    public double LearningRate
    {
        get => options.LearningRate;
        set => Options = options with { LearningRate = value };
    }

    internal Optimizer? Owner { get; set; }
}
