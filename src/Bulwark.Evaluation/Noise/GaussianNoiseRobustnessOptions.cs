using System.Globalization;

namespace Bulwark.Evaluation;

/// <summary>
/// Settings of <see cref="GaussianNoiseRobustness"/>; the defaults are the reference's
/// (<c>Classifier.gaussian_robustness</c>: σ in linspace(0, 0.5, 30), seed 0, test batches of 5000).
/// </summary>
public sealed record GaussianNoiseRobustnessOptions
{
    /// <summary>The first σ of the grid.</summary>
    public double MinSigma { get; init; }

    /// <summary>The last σ of the grid.</summary>
    public double MaxSigma { get; init; } = 0.5;

    /// <summary>Number of σ in the grid (at least 2: the ring's tolerance is half the grid step).</summary>
    public int SigmaCount { get; init; } = 30;

    /// <summary>
    /// r, the factor σ is multiplied by before drawing (the reference's <c>input_range()</c> = mean_c(1/std_c)); null
    /// means mean_c(1/std_c) of <see cref="Std"/> when it is given, else 1 ([0, 1] inputs without standardisation, or
    /// MNIST's std of 1). The ring tolerance is not multiplied by r, as in the reference.
    /// </summary>
    public double? InputRange { get; init; }

    /// <summary>
    /// The per-channel standard deviations of a standardisation the classifier applies itself (an
    /// <see cref="Bulwark.Attacks.AttackModel"/> with mean/std). The reference adds the noise to standardised inputs;
    /// given these, the noise added to raw inputs is multiplied by std_c per channel, which is the same noise after
    /// standardisation. Leave null when the inputs given are already what the network consumes.
    /// </summary>
    public IReadOnlyList<double>? Std { get; init; }

    /// <summary>Seed of the one generator drawn from, in order, for every σ and batch.</summary>
    public ulong Seed { get; init; }

    /// <summary>Inputs per batch. The noise of a sample depends on the batching (draws are per batch), so this is part of the protocol.</summary>
    public int BatchSize { get; init; } = 5000;

    /// <summary>The r actually used: <see cref="InputRange"/>, else mean_c(1/std_c), else 1.</summary>
    public double ResolvedInputRange => InputRange ?? (Std is { Count: > 0 } std ? std.Average(s => 1 / s) : 1.0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"sigmas=linspace({MinSigma}, {MaxSigma}, {SigmaCount}), r={ResolvedInputRange}, std={(Std is null ? "none" : "[" + string.Join(", ", Std) + "]")}, seed={Seed}, batch={BatchSize}");

    internal void Validate()
    {
        if (SigmaCount < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(SigmaCount), SigmaCount, "GNR needs at least 2 noise levels");
        }

        if (!(MaxSigma > MinSigma) || MinSigma < 0)
        {
            throw new ArgumentException($"the σ grid must run from MinSigma ≥ 0 up to a larger MaxSigma; got [{MinSigma}, {MaxSigma}]");
        }

        if (!(ResolvedInputRange > 0) || double.IsInfinity(ResolvedInputRange))
        {
            throw new ArgumentOutOfRangeException(nameof(InputRange), ResolvedInputRange, "r must be positive and finite");
        }

        if (Std is not null && Std.Any(s => !(s > 0)))
        {
            throw new ArgumentException($"std must be positive; got [{string.Join(", ", Std)}]", nameof(Std));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
    }
}
