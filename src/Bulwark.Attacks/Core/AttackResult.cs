using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// One attack's answer for a batch. <see cref="Raw"/> holds what the attack proposed; <see cref="Clipped"/> the
/// proposals projected into each ε-ball and the box; <see cref="Success"/> [ε, N] whether each clipped input meets the
/// criterion — decided by predicting again, never by the attack's own word. For minimum-norm attacks
/// <see cref="Norms"/> are the norms of the raw perturbations (∞ where no adversarial was found).
/// </summary>
public sealed class AttackResult : IDisposable
{
    internal AttackResult(IReadOnlyList<Tensor> raw, IReadOnlyList<double> epsilons, IReadOnlyList<Tensor> clipped, Tensor success,
        Tensor norms, Tensor rawSuccess, long gradientEvaluations, TimeSpan elapsed, EnsembleBreakdown? breakdown = null)
    {
        Breakdown = breakdown;
        Raw = raw;
        Epsilons = epsilons;
        Clipped = clipped;
        Success = success;
        Norms = norms;
        RawSuccess = rawSuccess;
        GradientEvaluations = gradientEvaluations;
        Elapsed = elapsed;
    }

    /// <summary>
    /// The attack's proposals [N, ...], inside the box: one per ε for fixed-ε attacks, a single one for minimum-norm
    /// attacks (which run once whatever the ε list).
    /// </summary>
    public IReadOnlyList<Tensor> Raw { get; }

    public IReadOnlyList<double> Epsilons { get; }

    /// <summary>For each ε, the proposals clipped to the ε-ball around the input and to the box.</summary>
    public IReadOnlyList<Tensor> Clipped { get; }

    /// <summary>bool [ε, N]: the clipped input at that ε is adversarial (re-predicted).</summary>
    public Tensor Success { get; }

    /// <summary>bool [N]: a raw proposal is adversarial (re-predicted); for fixed-ε attacks, at any ε.</summary>
    public Tensor RawSuccess { get; }

    /// <summary>
    /// Per-sample perturbation norm [N] in the attack's norm, +∞ where nothing adversarial was found: for minimum-norm
    /// attacks the norm of the raw proposal; for fixed-ε attacks the norm of the clipped proposal at the smallest
    /// successful ε.
    /// </summary>
    public Tensor Norms { get; }

    /// <summary>For an <see cref="AttackEnsemble"/>: which member broke which input at each ε; null for other attacks.</summary>
    public EnsembleBreakdown? Breakdown { get; }

    public long GradientEvaluations { get; }

    public TimeSpan Elapsed { get; }

    /// <summary>Robust accuracy at each ε: the fraction of samples the attack did not break (criterion not met).</summary>
    public double[] RobustAccuracy()
    {
        using var scope = TensorScope.Begin();
        var robust = Success.LogicalNot().To(DType.Float64).Mean(1);
        return robust.ToArray<double>();
    }

    public void Dispose()
    {
        foreach (var tensor in Raw.Concat(Clipped))
        {
            tensor.Dispose();
        }

        Success.Dispose();
        RawSuccess.Dispose();
        Norms.Dispose();
    }
}
