using System.Globalization;
using Bulwark.Attacks;

namespace Bulwark.Evaluation;

/// <summary>
/// Settings of <see cref="MomentPaperSuite"/>. The defaults follow the attacks' defaults in Foolbox 1.x, which the paper
/// used, where they are affordable on a CPU, and the paper's 400 test images (its ACC column moves in steps of 0.25 %).
/// </summary>
public sealed record MomentPaperOptions
{
    /// <summary>Evaluate the first N inputs of the test set.</summary>
    public int Samples { get; init; } = 400;

    /// <summary>Inputs per attack call.</summary>
    public int BatchSize { get; init; } = 250;

    /// <summary>Seeds every attack (batch b gets seed + b).</summary>
    public ulong Seed { get; init; }

    /// <summary>Largest ℓ∞ ε of the FGSM and PGD searches (Foolbox 1.x: 1, the width of the [0, 1] box).</summary>
    public double MaxEpsilon { get; init; } = 1;

    /// <summary>
    /// ε values the FGSM search tries, evenly spaced in (0, <see cref="MaxEpsilon"/>]. Foolbox 1.x tries 1000 and refines
    /// below the first; 200 find ε to 0.005 at a fifth of the cost (each step is one gradient and one prediction of the
    /// inputs still unbroken).
    /// </summary>
    public int FgsmEpsilonSteps { get; init; } = 200;

    /// <summary>
    /// ε values the PGD search tries. Foolbox 1.x bisects ε per input instead; a grid of 100 over (0, 1] finds ε to 0.01,
    /// each grid step costing one 40-step PGD run on the inputs still unbroken.
    /// </summary>
    public int PgdEpsilonSteps { get; init; } = 100;

    /// <summary>PGD at each ε: Foolbox 1.x's ℓ∞ PGD, 40 steps of ε/30 from a random start (these are the defaults).</summary>
    public PgdOptions Pgd { get; init; } = new();

    /// <summary>
    /// L-BFGS: 12 solves of at most 40 iterations per input (the attack's default is 15 × 150). On the demo's LeNet-5
    /// (100 MNIST images) the mean ℓ2 norm came out at 1.398, as with 8 × 60, in two thirds of the time.
    /// </summary>
    public LbfgsOptions Lbfgs { get; init; } = new() { BinarySearchSteps = 12, MaxIterations = 40 };

    /// <summary>
    /// The AGA and AUA attacks (<see cref="AdditiveNoiseOptions.Distribution"/> is set per column): 10 random directions,
    /// each scanned over 100 norms up to the box diagonal, the smallest flip kept.
    /// </summary>
    public AdditiveNoiseOptions Noise { get; init; } = new();

    /// <summary>DeepFool ℓ2 with Foolbox 1.x's 100 steps, its overshoot 0.02 and the top 10 classes.</summary>
    public DeepFoolOptions DeepFool { get; init; } = new() { Steps = 100 };

    /// <summary>GNR settings (METHODS §1).</summary>
    public GaussianNoiseRobustnessOptions Gnr { get; init; } = new();

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FgsmEpsilonSteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PgdEpsilonSteps);
        if (!(MaxEpsilon > 0) || double.IsInfinity(MaxEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxEpsilon), MaxEpsilon, "the largest ε of the FGSM and PGD searches must be finite and positive");
        }

        ArgumentNullException.ThrowIfNull(Pgd);
        ArgumentNullException.ThrowIfNull(Lbfgs);
        ArgumentNullException.ThrowIfNull(Noise);
        ArgumentNullException.ThrowIfNull(DeepFool);
        ArgumentNullException.ThrowIfNull(Gnr);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"samples={Samples}, batch={BatchSize}, seed={Seed}, FGSM ε grid {FgsmEpsilonSteps}, PGD ε grid {PgdEpsilonSteps} × {Pgd.Steps} steps, L-BFGS {Lbfgs.BinarySearchSteps}×{Lbfgs.MaxIterations}, noise {Noise.Directions}×{Noise.Steps}, DeepFool {DeepFool.Steps}");
}
