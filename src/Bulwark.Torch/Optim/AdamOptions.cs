namespace Bulwark.Torch.Optim;

/// <summary>Settings of <see cref="Adam"/>, PyTorch's defaults: <c>lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8</c>.</summary>
public sealed record AdamOptions() : OptimizerOptions(1e-3)
{
    /// <summary>Decay β₁ of the running mean of the gradient.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Decay β₂ of the running mean of the squared gradient.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Added to the denominator for numerical stability.</summary>
    public double Eps { get; init; } = 1e-8;

    /// <summary>The AMSGrad variant: divide by the running maximum of the second moment (Reddi et al., 2018).</summary>
    public bool AmsGrad { get; init; }
}
