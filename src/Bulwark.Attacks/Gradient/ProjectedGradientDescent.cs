using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>The objective a gradient attack ascends.</summary>
public enum PgdLoss
{
    CrossEntropy,
    Margin,
}

/// <summary>Settings of <see cref="ProjectedGradientDescent"/>; defaults follow Madry et al. for MNIST ℓ∞ (40 steps of ε/30).</summary>
public sealed record PgdOptions
{
    public int Steps { get; init; } = 40;

    /// <summary>Step size as a fraction of ε (Foolbox's relative step size: 0.01/0.3 for ℓ∞, 0.025 for ℓ2 and ℓ1).</summary>
    public double? RelativeStepSize { get; init; }

    /// <summary>Absolute step size; overrides <see cref="RelativeStepSize"/>.</summary>
    public double? StepSize { get; init; }

    /// <summary>Start from a uniform random point of the ε-ball (PGD); false gives BIM.</summary>
    public bool RandomStart { get; init; } = true;

    /// <summary>The loss PGD ascends: cross-entropy (Madry, Foolbox) or the C&amp;W margin max_{k≠y} f_k − f_y.</summary>
    public PgdLoss Loss { get; init; } = PgdLoss.CrossEntropy;

    /// <summary>Freeze each input once it is adversarial (saves work; the result is still adversarial).</summary>
    public bool StopWhenAdversarial { get; init; } = true;

    /// <summary>For ℓ1: the fraction of largest-gradient coordinates each sparse step moves (Tramèr &amp; Boneh's q).</summary>
    public double L1Sparsity { get; init; } = 0.01;

    public override string ToString() =>
        $"steps={Steps}, step={(StepSize is { } s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{RelativeStepSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"}·ε")}, random start={RandomStart}";
}

/// <summary>
/// Projected gradient descent (Madry et al. 2018; BIM of Kurakin et al. without the random start): repeated
/// steepest-ascent steps on the cross-entropy, each followed by projection onto the ε-ball and the box.
/// ℓ∞ steps along sign(∇), ℓ2 along ∇/‖∇‖, ℓ1 along a sparse direction (the top q fraction of gradient coordinates,
/// "sparse ℓ1 descent"). Fixed-ε; inputs [N, ...] in the model's box; deterministic for a seed.
/// <code>var pgd = new ProjectedGradientDescent(Norm.Linf, new PgdOptions { Steps = 40 });</code>
/// </summary>
public sealed class ProjectedGradientDescent(Norm? norm = null, PgdOptions? options = null) : FixedEpsilonAttack
{
    public override Norm Norm { get; } = norm ?? Norm.Linf;

    public PgdOptions Options { get; } = options ?? new PgdOptions();

    public override string Name => "pgd";

    private double StepSize(double epsilon) =>
        Options.StepSize ?? epsilon * (Options.RelativeStepSize ?? (ReferenceEquals(Norm, Norm.Linf) ? 0.01 / 0.3 : 0.025));

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion, double epsilon)
    {
        var bounds = context.Model.Bounds;
        var stepSize = StepSize(epsilon);
        using var outer = TensorScope.Begin();
        var adversarial = Options.RandomStart ? RandomStart(context, inputs, epsilon) : inputs.Clone();
        var active = Torch.Torch.Arange(inputs.Size(0), DType.Int64);
        for (var step = 0; step < Options.Steps && active.Size(0) > 0; step++)
        {
            using var scope = TensorScope.Begin();
            var x = inputs.IndexSelect(0, active);
            var current = adversarial.IndexSelect(0, active);
            var activeCriterion = criterion.Select(active);
            var (logits, gradient) = Options.Loss == PgdLoss.Margin
                ? context.MarginGradient(current, activeCriterion)
                : context.CrossEntropyGradient(current, activeCriterion);
            if (Options.StopWhenAdversarial)
            {
                // inputs already adversarial at this iterate keep it and leave the active set
                var still = activeCriterion.IsAdversarial(logits).LogicalNot();
                if (!still.All().ToBoolean())
                {
                    var keep = still.Nonzero().Squeeze(1);
                    // Carry frees the previous active set now; the new one lives in the outer scope until the attack ends
                    scope.Carry(ref active, active.IndexSelect(0, keep));
                    x = x.IndexSelect(0, keep);
                    current = current.IndexSelect(0, keep);
                    gradient = gradient.IndexSelect(0, keep);
                    if (active.Size(0) == 0)
                    {
                        break;
                    }
                }
            }

            var direction = ReferenceEquals(Norm, Norm.L1) ? SparseL1Direction(gradient, current, bounds) : Norm.SteepestAscent(gradient);
            var moved = current.Add(direction.Mul(stepSize));
            var next = x.Add(Norm.Project(moved.Sub(x), epsilon)).Clamp(bounds.Low, bounds.High);
            var updated = adversarial.IndexCopy(0, active, next);
            adversarial.Dispose();
            adversarial = scope.Release(updated);
        }

        return outer.Keep(adversarial);
    }

    private Tensor RandomStart(AttackContext context, Tensor inputs, double epsilon)
    {
        using var scope = TensorScope.Begin();
        Tensor delta;
        if (ReferenceEquals(Norm, Norm.Linf))
        {
            delta = Torch.Torch.Rand(inputs.Shape, context.Generator, inputs.DType).Mul(2 * epsilon).Sub(epsilon);
        }
        else
        {
            // a uniform point of the ℓ2 ball: Gaussian direction, radius ε·u^(1/n); for ℓ1 the same point projected
            var n = inputs.NumberOfElements / inputs.Size(0);
            var gaussian = Torch.Torch.Randn(inputs.Shape, context.Generator, inputs.DType);
            var direction = Norm.L2.SteepestAscent(gaussian);
            var radius = Torch.Torch.Rand([inputs.Size(0)], context.Generator, inputs.DType).Pow(1.0 / n).Mul(epsilon);
            delta = Norm.Project(direction.Mul(Norm.PerSample(radius, inputs)), epsilon);
        }

        return scope.Keep(inputs.Add(delta).Clamp(context.Model.Bounds.Low, context.Model.Bounds.High));
    }

    /// <summary>
    /// The top-q coordinates of the gradient, signed, with unit ℓ1 norm. Coordinates already on a face of the box whose
    /// gradient points out of it are left out (as Tramèr &amp; Boneh do): otherwise the largest one is chosen again at every
    /// step, the clip to the box undoes the move, and the attack stalls after its first step.
    /// </summary>
    private Tensor SparseL1Direction(Tensor gradient, Tensor current, Bounds bounds)
    {
        using var scope = TensorScope.Begin();
        var blocked = current.Le(bounds.Low).LogicalAnd(gradient.Lt(0)).LogicalOr(current.Ge(bounds.High).LogicalAnd(gradient.Gt(0)));
        var flat = gradient.MaskedFill(blocked, 0).Flatten(1);
        var magnitude = flat.Abs();
        var k = Math.Max(1L, (long)Math.Ceiling(Options.L1Sparsity * flat.Size(1)));
        var (top, _) = magnitude.TopK(k, 1);
        var threshold = top.Narrow(1, k - 1, 1);
        var mask = magnitude.Ge(threshold).To(gradient.DType);
        var sparse = flat.Sign().Mul(mask);
        var normalised = Norm.L1.Measure(sparse).Clamp(min: 1e-12);
        return scope.Keep(sparse.Div(normalised.Unsqueeze(1)).View(gradient.Shape));
    }
}
