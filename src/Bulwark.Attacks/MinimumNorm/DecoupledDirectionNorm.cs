using System.Globalization;
using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>Settings of <see cref="DecoupledDirectionNorm"/>; the defaults are Rony et al.'s reference code (<c>fast_adv</c>).</summary>
public sealed record DdnOptions
{
    /// <summary>Iterations (the reference's README example and its adversarial training use 100).</summary>
    public int Steps { get; init; } = 100;

    /// <summary>γ: the norm shrinks by (1 − γ) after an adversarial iterate and grows by (1 + γ) after a clean one.</summary>
    public double Gamma { get; init; } = 0.05;

    /// <summary>ε₀: the norm the first iterate is projected to.</summary>
    public double InitialNorm { get; init; } = 1.0;

    /// <summary>Round every iterate to <see cref="Levels"/> grey levels of the box, so that the result is a valid image.</summary>
    public bool Quantize { get; init; } = true;

    public int Levels { get; init; } = 256;

    /// <summary>Step size of the gradient step at the start of the cosine schedule (the reference's SGD lr).</summary>
    public double InitialStepSize { get; init; } = 1.0;

    /// <summary>Step size the cosine schedule anneals to (the reference's η_min).</summary>
    public double FinalStepSize { get; init; } = 0.01;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"steps={Steps}, γ={Gamma}, ε₀={InitialNorm}, quantize={(Quantize ? Levels.ToString(CultureInfo.InvariantCulture) + " levels" : "no")}, step {InitialStepSize}→{FinalStepSize}");
}

/// <summary>
/// Decoupled Direction and Norm (Rony et al., "Decoupling Direction and Norm for Efficient Gradient-Based L2 Adversarial
/// Attacks and Defenses", CVPR 2019), as METHODS §7B transcribes the reference code. Each step moves the perturbation δ
/// along the normalised cross-entropy gradient (ascending it; targeted: descending towards the target) with a
/// cosine-annealed step, then rescales δ to a norm ε that shrinks by (1 − γ) while the iterate is adversarial and grows by
/// (1 + γ) while it is not; iterates are quantised and clipped to the box, and the smallest adversarial δ seen is kept.
/// A zero gradient is replaced by a random normal direction from the attack's generator, so the attack is deterministic
/// for a seed. Norm ℓ2; defaults steps 100, γ 0.05, ε₀ 1, 256-level quantisation; inputs [N, ...] in the model's box.
/// Inputs already adversarial are returned as they are; the others run every step (ε keeps adapting, so none finishes early).
/// <code>var result = new DecoupledDirectionNorm(new DdnOptions { Steps = 1000 }).Run(model, x, new Misclassification(y));</code>
/// </summary>
public sealed class DecoupledDirectionNorm : MinimumNormAttack
{
    public DecoupledDirectionNorm(DdnOptions? options = null)
    {
        Options = options ?? new DdnOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Steps, 1, nameof(options));
        if (!(Options.Gamma is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Gamma, "γ must lie in (0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.InitialNorm, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Levels, 2, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.InitialStepSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(Options.FinalStepSize, nameof(options));
    }

    public DdnOptions Options { get; }

    public override Norm Norm => Norm.L2;

    public override string Name => "ddn";

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion) =>
        OnRemainingInputs(context, inputs, criterion, (x, attacked) => AttackRemaining(context, x, attacked));

    /// <summary>The attack proper, on inputs that do not meet the criterion yet.</summary>
    private Tensor AttackRemaining(AttackContext context, Tensor x, Criterion attacked)
    {
        using var outer = TensorScope.Begin();
        var bounds = context.Model.Bounds;
        var count = x.Size(0);
        // the largest ℓ2 distance inside the box: ε never needs to exceed it
        var worst = x.Sub(bounds.Low).Maximum(x.Neg().Add(bounds.High)).NormPerSample(2);
        var epsilon = Torch.Torch.Full([count], Options.InitialNorm, x.DType, x.Device);
        var bestNorm = worst.Clone();
        var delta = Torch.Torch.ZerosLike(x);
        var bestDelta = Torch.Torch.ZerosLike(x);
        for (var step = 0; step < Options.Steps; step++)
        {
            using var iteration = TensorScope.Begin();
            var (logits, gradient) = context.CrossEntropyGradient(x.Add(delta), attacked);
            var isAdversarial = attacked.IsAdversarial(logits);
            var norm = delta.NormPerSample(2);
            var improved = isAdversarial.LogicalAnd(norm.Lt(bestNorm));
            iteration.Carry(ref bestNorm, Torch.Torch.Where(improved, norm, bestNorm));
            iteration.Carry(ref bestDelta, Torch.Torch.Where(Norm.PerSample(improved, delta), delta, bestDelta));

            var direction = Direction(context, gradient);
            iteration.Carry(ref delta, delta.Add(direction, StepSize(step)));

            // ε ← ε·(1 − γ) after an adversarial iterate, ε·(1 + γ) otherwise, never beyond the box's reach
            var factor = isAdversarial.To(x.DType).Mul(-2 * Options.Gamma).Add(1 + Options.Gamma);
            iteration.Carry(ref epsilon, epsilon.Mul(factor).Minimum(worst));

            // δ ← δ·ε/‖δ‖, then the iterate x + δ is quantised and clipped to the box
            var rescaled = delta.Mul(Norm.PerSample(epsilon.Div(delta.NormPerSample(2).Clamp(min: 1e-12)), delta));
            var point = Quantise(x.Add(rescaled), bounds).Clamp(bounds.Low, bounds.High);
            iteration.Carry(ref delta, point.Sub(x));
        }

        return outer.Keep(x.Add(bestDelta));
    }

    /// <summary>
    /// Step size of iteration <paramref name="step"/> (0-based) on the cosine schedule from the initial to the final step
    /// size over <see cref="DdnOptions.Steps"/>. The reference (fast_adv v0.4, PyTorch 0.4) calls
    /// <c>scheduler.step()</c> at the start of each iteration, so iteration i already uses the rate of epoch i + 1: the
    /// first step is slightly below the initial size and the last one is exactly the final size. We reproduce that
    /// reference behaviour (the variant METHODS §7B documents), not PyTorch ≥ 1.1's step-after-update order.
    /// </summary>
    private double StepSize(int step)
    {
        var epoch = step + 1;
        return Options.FinalStepSize
            + ((Options.InitialStepSize - Options.FinalStepSize) * (1 + Math.Cos(Math.PI * epoch / Options.Steps)) / 2);
    }

    /// <summary>
    /// The unit-ℓ2 gradient direction per sample; where the gradient is exactly zero (saturated softmax, flat region), a
    /// random normal direction, normalised too (the reference leaves it unnormalised, which only matters when δ ≠ 0 and
    /// then makes the step depend on the input's dimension).
    /// </summary>
    private static Tensor Direction(AttackContext context, Tensor gradient)
    {
        using var scope = TensorScope.Begin();
        var direction = Norm.L2.SteepestAscent(gradient);
        var zero = gradient.NormPerSample(2).Eq(0);
        if (zero.Any().ToBoolean())
        {
            var rows = zero.Nonzero().Squeeze(1);
            var shape = gradient.Shape;
            shape[0] = rows.Size(0);
            var random = Torch.Torch.Randn(shape, context.Generator, gradient.DType, gradient.Device);
            direction = direction.IndexCopy(0, rows, Norm.L2.SteepestAscent(random));
        }

        return scope.Keep(direction);
    }

    /// <summary>Rounds to <see cref="DdnOptions.Levels"/> evenly spaced values of the box (the reference: round(x·255)/255).</summary>
    private Tensor Quantise(Tensor point, Bounds bounds)
    {
        if (!Options.Quantize)
        {
            return point.Alias();
        }

        using var scope = TensorScope.Begin();
        var levels = Options.Levels - 1;
        var quantised = point.Sub(bounds.Low).Mul(levels / bounds.Width).Round().Mul(bounds.Width / levels).Add(bounds.Low);
        return scope.Keep(quantised);
    }
}
