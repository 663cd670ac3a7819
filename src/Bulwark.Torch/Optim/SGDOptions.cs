namespace Bulwark.Torch.Optim;

/// <summary>
/// Settings of <see cref="SGD"/>, PyTorch's defaults. PyTorch 1.13 has no default learning rate for SGD;
/// this one is 1e-3, as in PyTorch 2.x.
/// </summary>
public sealed record SGDOptions() : OptimizerOptions(1e-3)
{
    /// <summary>Momentum factor μ; 0 is plain gradient descent.</summary>
    public double Momentum { get; init; }

    /// <summary>Dampening τ of the momentum: <c>b ← μ·b + (1 − τ)·g</c>.</summary>
    public double Dampening { get; init; }

    /// <summary>Nesterov momentum (needs <see cref="Momentum"/> &gt; 0 and <see cref="Dampening"/> = 0).</summary>
    public bool Nesterov { get; init; }
}
