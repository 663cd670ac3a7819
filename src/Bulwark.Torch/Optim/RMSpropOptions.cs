namespace Bulwark.Torch.Optim;

/// <summary>Settings of <see cref="RMSprop"/>, PyTorch's defaults: <c>lr = 1e-2, alpha = 0.99, eps = 1e-8</c>.</summary>
public sealed record RMSpropOptions() : OptimizerOptions(1e-2)
{
    /// <summary>Smoothing constant α of the running mean of the squared gradient.</summary>
    public double Alpha { get; init; } = 0.99;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>Momentum factor; 0 applies the scaled gradient directly.</summary>
    public double Momentum { get; init; }

    /// <summary>Normalise by an estimate of the gradient's variance instead of its second moment.</summary>
    public bool Centered { get; init; }
}
