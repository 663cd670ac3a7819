namespace Bulwark.Torch.Optim;

/// <summary>
/// Cosine annealing without restarts (Loshchilov &amp; Hutter, 2017, eq. 5), in the closed form of PyTorch's
/// <c>CosineAnnealingLR</c>: <c>lr_t = η_min + (lr₀ − η_min) · (1 + cos(π·t / T_max)) / 2</c>. Past
/// <c>T_max</c> the closed form keeps following the cosine back up, as PyTorch's closed form does.
/// </summary>
public sealed class CosineAnnealingLR : LearningRateScheduler
{
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tMax);
        ArgumentOutOfRangeException.ThrowIfNegative(etaMin);
        TMax = tMax;
        EtaMin = etaMin;
    }

    /// <summary>Epochs from the base rate down to <see cref="EtaMin"/> (PyTorch's <c>T_max</c>).</summary>
    public int TMax { get; }

    /// <summary>The lowest learning rate (PyTorch's <c>eta_min</c>).</summary>
    public double EtaMin { get; }

    public override double LearningRateAt(int epoch, double baseLearningRate) =>
        EtaMin + ((baseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * epoch / TMax)) / 2);

    public override string ToString() => $"CosineAnnealingLR(tMax={TMax}, etaMin={EtaMin})";
}
