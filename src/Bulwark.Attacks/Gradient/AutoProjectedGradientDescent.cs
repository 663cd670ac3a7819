using System.Globalization;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks;

/// <summary>The objective Auto-PGD ascends.</summary>
public enum ApgdLoss
{
    /// <summary>Cross-entropy: ascended away from the label, descended towards a target ("apgd-ce").</summary>
    CrossEntropy,

    /// <summary>The Difference of Logits Ratio, invariant to shifts and positive rescaling of the logits ("apgd-dlr").</summary>
    DifferenceOfLogitsRatio,
}

/// <summary>Settings of <see cref="AutoProjectedGradientDescent"/>; the defaults are AutoAttack's (Croce &amp; Hein 2020).</summary>
public sealed record ApgdOptions
{
    /// <summary>Iterations N_iter (AutoAttack: 100); each costs one gradient evaluation per input, plus one at the start.</summary>
    public int Steps { get; init; } = 100;

    public ApgdLoss Loss { get; init; } = ApgdLoss.CrossEntropy;

    /// <summary>The first step size η⁽⁰⁾ as a multiple of ε (AutoAttack: 2ε for ℓ∞ and ℓ2).</summary>
    public double InitialStepSize { get; init; } = 2;

    /// <summary>α, the weight of the new gradient step against the previous update (the momentum term has 1 − α).</summary>
    public double Momentum { get; init; } = 0.75;

    /// <summary>ρ: the step is halved at a checkpoint when fewer than this fraction of the steps since the last one raised the loss.</summary>
    public double Rho { get; init; } = 0.75;

    /// <summary>Start from a random point of the ε-sphere as AutoAttack does; false starts from the input itself.</summary>
    public bool RandomStart { get; init; } = true;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"steps={Steps}, loss={Loss}, η₀={InitialStepSize}·ε, α={Momentum}, ρ={Rho}, random start={RandomStart}");
}

/// <summary>
/// Auto-PGD (Croce &amp; Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse parameter-free
/// attacks", ICML 2020; Algorithm 1), the first attack of AutoAttack: projected gradient ascent with momentum whose step
/// size needs no tuning. Each input starts with η = 2ε and has its own schedule: at the checkpoints
/// w_j = ⌈p_j·N⌉ (p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)) its step is halved, and it restarts
/// from the best point seen, when fewer than ρ of the steps since the last checkpoint raised the loss, or when neither its
/// step size nor its best loss changed since then. Steps: z = P(x⁽ᵏ⁾ + η·d(∇)), x⁽ᵏ⁺¹⁾ = P(x⁽ᵏ⁾ + α(z − x⁽ᵏ⁾) +
/// (1 − α)(x⁽ᵏ⁾ − x⁽ᵏ⁻¹⁾)) with d = sign for ℓ∞ and ∇/‖∇‖₂ for ℓ2, P the projection onto the ε-ball followed by the
/// clip to the box (as the reference does), and no momentum in the first step. Losses: cross-entropy ("apgd-ce") or
/// the DLR loss ("apgd-dlr", see <see cref="DifferenceOfLogitsRatio"/>; targeted: <see cref="TargetedDifferenceOfLogitsRatio"/>).
/// An input is returned at its first iterate that meets the criterion (and leaves the batch: no more work is spent on
/// it), otherwise at its highest-loss iterate. Random restarts: <c>.Repeat(n)</c>. Norms ℓ∞ and ℓ2; defaults 100 steps,
/// α = 0.75, ρ = 0.75; fixed-ε; inputs [N, ...] in the model's box; deterministic for a seed.
/// Where the paper and AutoAttack's code differ we follow the paper: condition 1 counts the rises f(x⁽ⁱ⁺¹⁾) &gt; f(x⁽ⁱ⁾)
/// of the window, starting from the start point, and condition 2 may already hold at the first checkpoint (the code
/// counts one stale entry in its first window and skips condition 2 there). The targeted DLR's class y is the clean
/// prediction (a <see cref="TargetedMisclassification"/> carries only the targets); AutoAttack uses the true label.
/// Unlike AutoAttack's single run, which keeps the last adversarial iterate, an input is returned at its first one.
/// <code>var apgd = new AutoProjectedGradientDescent(Norm.Linf, new ApgdOptions { Loss = ApgdLoss.DifferenceOfLogitsRatio });</code>
/// </summary>
public sealed class AutoProjectedGradientDescent : FixedEpsilonAttack
{
    // the DLR denominators' guard, the reference's 1e-12
    private const double DlrGuard = 1e-12;

    public AutoProjectedGradientDescent(Norm? norm = null, ApgdOptions? options = null)
    {
        Norm = norm ?? Norm.Linf;
        if (!ReferenceEquals(Norm, Norm.Linf) && !ReferenceEquals(Norm, Norm.L2))
        {
            throw new ArgumentException($"Auto-PGD is defined here for linf and l2, not {Norm}", nameof(norm));
        }

        Options = options ?? new ApgdOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Steps, 1, nameof(options));
        if (!(Options.InitialStepSize > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.InitialStepSize, "the initial step size must be positive");
        }

        if (!(Options.Momentum is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Momentum, "α must lie in (0, 1]");
        }

        if (!(Options.Rho is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Rho, "ρ must lie in (0, 1]");
        }

        if (!Enum.IsDefined(Options.Loss))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Loss, "unknown loss");
        }
    }

    public override Norm Norm { get; }

    public ApgdOptions Options { get; }

    /// <summary>"apgd-ce" or "apgd-dlr", after the loss.</summary>
    public override string Name => Options.Loss == ApgdLoss.CrossEntropy ? "apgd-ce" : "apgd-dlr";

    /// <summary>
    /// The checkpoints w_j = ⌈p_j·N⌉ ≤ N (distinct, increasing) of an <paramref name="steps"/>-iteration run, p₀ = 0,
    /// p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06), as the paper defines them. The p_j are multiples of
    /// 0.01, so they are computed exactly in hundredths. For N = 100 this is AutoAttack's schedule (intervals 22, 19, 16,
    /// 13, 10, 7, 6, …); for N not a multiple of 100 the reference rounds the intervals instead of the p_j, and may differ
    /// by an iteration.
    /// </summary>
    public static IReadOnlyList<int> Checkpoints(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var checkpoints = new List<int>();
        long previous = 0;
        long current = 22;
        while (true)
        {
            var checkpoint = (current * steps + 99) / 100;
            if (checkpoint > steps)
            {
                return checkpoints;
            }

            if (checkpoints.Count == 0 || checkpoint > checkpoints[^1])
            {
                checkpoints.Add((int)checkpoint);
            }

            (previous, current) = (current, current + Math.Max(current - previous - 3, 6));
        }
    }

    /// <summary>
    /// The DLR loss per sample, −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3 + 10⁻¹²) with π the classes sorted by decreasing
    /// logit (Croce &amp; Hein 2020): positive exactly where the input is misclassified, and unchanged when the logits are
    /// shifted or scaled by a positive factor. Logits [N, K] with K ≥ 3, labels int64 [N].
    /// </summary>
    public static Tensor DifferenceOfLogitsRatio(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        RequireClasses(logits.Size(1), 3, "the DLR loss");
        using var scope = TensorScope.Begin();
        var (sorted, _) = logits.Sort(1, descending: true);
        var spread = sorted.Select(1, 0).Sub(sorted.Select(1, 2)).Add(DlrGuard);
        // max_{i≠y} z_i − z_y is the margin, the numerator with its sign
        return scope.Keep(AttackContext.Margin(logits, labels, targeted: false).Div(spread));
    }

    /// <summary>
    /// The targeted DLR loss per sample, −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2 + 10⁻¹²) (Croce &amp; Hein 2020), ascended
    /// to move from class y to the target t. Logits [N, K] with K ≥ 4, labels and targets int64 [N].
    /// </summary>
    public static Tensor TargetedDifferenceOfLogitsRatio(Tensor logits, Tensor labels, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(targets);
        RequireClasses(logits.Size(1), 4, "the targeted DLR loss");
        using var scope = TensorScope.Begin();
        var (sorted, _) = logits.Sort(1, descending: true);
        var spread = sorted.Select(1, 0).Sub(sorted.Select(1, 2).Add(sorted.Select(1, 3)).Mul(0.5)).Add(DlrGuard);
        var labelLogit = logits.Gather(1, labels.Unsqueeze(1)).Squeeze(1);
        var targetLogit = logits.Gather(1, targets.Unsqueeze(1)).Squeeze(1);
        return scope.Keep(targetLogit.Sub(labelLogit).Div(spread));
    }

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion, double epsilon)
    {
        using var outer = TensorScope.Begin();
        var cleanLogits = context.Logits(inputs);
        if (Options.Loss == ApgdLoss.DifferenceOfLogitsRatio)
        {
            RequireClasses(cleanLogits.Size(1), criterion.IsTargeted ? 4 : 3, $"{Name} ({(criterion.IsTargeted ? "targeted" : "untargeted")})");
        }

        var result = inputs.Clone();
        var pending = criterion.IsAdversarial(cleanLogits).LogicalNot().Nonzero().Squeeze(1);
        if (pending.Size(0) == 0)
        {
            return outer.Keep(result);
        }

        var bounds = context.Model.Bounds;
        var origin = inputs.IndexSelect(0, pending);
        var count = pending.Size(0);
        var start = Options.RandomStart ? RandomStart(context, origin, epsilon) : origin.Clone();
        // every tensor of the state lives in this scope: iterations carry their replacements into it
        var state = new Iterates
        {
            Rows = pending,
            Origin = origin,
            // the targeted DLR's class y: the clean prediction, the class the input has to leave
            Source = cleanLogits.IndexSelect(0, pending).Argmax(1),
            Current = start,
            Previous = start.Clone(),
            Gradient = Torch.Torch.ZerosLike(start),
            Best = start.Clone(),
            BestGradient = Torch.Torch.ZerosLike(start),
            BestLoss = Torch.Torch.Full([count], double.NegativeInfinity, start.DType),
            // +∞: the start point is no rise; the first window counts f(x⁽¹⁾) > f(x⁽⁰⁾) onwards
            LastLoss = Torch.Torch.Full([count], double.PositiveInfinity, start.DType),
            Rises = Torch.Torch.Zeros([count], start.DType),
            StepSize = Torch.Torch.Full([count], Options.InitialStepSize * epsilon, start.DType),
            BestLossAtCheckpoint = Torch.Torch.Full([count], double.NegativeInfinity, start.DType),
            HalvedAtCheckpoint = Torch.Torch.Zeros([count], DType.Bool),
        };
        using (var first = TensorScope.Begin())
        {
            if (!Observe(context, first, state, criterion, ref result))
            {
                return outer.Keep(result);
            }

            // f_max at w₀ = 0 is the start point's loss
            first.Carry(ref state.BestLossAtCheckpoint, state.BestLoss.Clone());
        }

        var checkpoints = Checkpoints(Options.Steps);
        var nextCheckpoint = 0;
        var lastCheckpoint = 0;
        for (var k = 0; k < Options.Steps; k++)
        {
            using var iteration = TensorScope.Begin();
            // no momentum in the first step: there is no previous update yet
            var alpha = k == 0 ? 1.0 : Options.Momentum;
            var current = state.Current;
            var step = Norm.PerSample(state.StepSize, current);
            var z = Project(state.Origin, current.Add(Norm.SteepestAscent(state.Gradient).Mul(step)), epsilon, bounds);
            var update = z.Sub(current).Mul(alpha).Add(current.Sub(state.Previous).Mul(1 - alpha));
            var next = Project(state.Origin, current.Add(update), epsilon, bounds);
            state.Previous.Dispose();
            state.Previous = current;
            state.Current = iteration.Keep(next);
            if (!Observe(context, iteration, state, criterion, ref result))
            {
                return outer.Keep(result);
            }

            if (nextCheckpoint < checkpoints.Count && k + 1 == checkpoints[nextCheckpoint])
            {
                var checkpoint = checkpoints[nextCheckpoint++];
                Reconsider(iteration, state, checkpoint - lastCheckpoint);
                lastCheckpoint = checkpoint;
            }
        }

        // the inputs never made adversarial: their highest-loss iterate
        var final = result.IndexCopy(0, state.Rows, state.Best);
        result.Dispose();
        return outer.Keep(final);
    }

    /// <summary>
    /// Evaluates loss and gradient at the current iterates, updates the best point and the count of rises, moves the
    /// inputs that now meet the criterion into <paramref name="result"/> and out of the batch; false when none is left.
    /// </summary>
    private bool Observe(AttackContext context, TensorScope iteration, Iterates state, Criterion criterion, ref Tensor result)
    {
        var attacked = criterion.Select(state.Rows);
        var (logits, gradient) = context.LossGradient(state.Current, l => PerSampleLoss(l, attacked, state.Source));
        Tensor loss;
        using (Autograd.NoGrad())
        {
            loss = PerSampleLoss(logits, attacked, state.Source);
        }

        iteration.Carry(ref state.Gradient, gradient);
        iteration.Carry(ref state.Rises, state.Rises.Add(loss.Gt(state.LastLoss).To(state.Rises.DType)));
        iteration.Carry(ref state.LastLoss, loss);
        var improved = loss.Gt(state.BestLoss);
        var improvedRows = Norm.PerSample(improved, state.Current);
        iteration.Carry(ref state.BestLoss, Torch.Torch.Where(improved, loss, state.BestLoss));
        iteration.Carry(ref state.Best, Torch.Torch.Where(improvedRows, state.Current, state.Best));
        iteration.Carry(ref state.BestGradient, Torch.Torch.Where(improvedRows, gradient, state.BestGradient));

        var adversarial = attacked.IsAdversarial(logits);
        if (!adversarial.Any().ToBoolean())
        {
            return true;
        }

        // AutoAttack stops at an input's first success: keep that iterate and spend no more work on the input
        var done = adversarial.Nonzero().Squeeze(1);
        iteration.Carry(ref result, result.IndexCopy(0, state.Rows.IndexSelect(0, done), state.Current.IndexSelect(0, done)));
        var keep = adversarial.LogicalNot().Nonzero().Squeeze(1);
        if (keep.Size(0) == 0)
        {
            return false;
        }

        state.Keep(iteration, keep);
        return true;
    }

    /// <summary>
    /// A checkpoint, per input: halves the step and restarts from the best point when condition 1 (fewer than ρ·h rises
    /// in the h steps since the last checkpoint) or condition 2 (step not halved at the last checkpoint and best loss not
    /// raised since) holds.
    /// </summary>
    private void Reconsider(TensorScope iteration, Iterates state, int window)
    {
        var oscillating = state.Rises.Lt(Options.Rho * window);
        var stalled = state.HalvedAtCheckpoint.LogicalNot().LogicalAnd(state.BestLoss.Le(state.BestLossAtCheckpoint));
        var halve = oscillating.LogicalOr(stalled);
        var rows = Norm.PerSample(halve, state.Current);
        iteration.Carry(ref state.StepSize, Torch.Torch.Where(halve, state.StepSize.Mul(0.5), state.StepSize));
        iteration.Carry(ref state.Current, Torch.Torch.Where(rows, state.Best, state.Current));
        iteration.Carry(ref state.Gradient, Torch.Torch.Where(rows, state.BestGradient, state.Gradient));
        iteration.Carry(ref state.HalvedAtCheckpoint, halve);
        iteration.Carry(ref state.BestLossAtCheckpoint, state.BestLoss.Clone());
        iteration.Carry(ref state.Rises, Torch.Torch.ZerosLike(state.Rises));
    }

    /// <summary>The loss ascended, per sample: CE away from the label or towards the target (negated), or DLR.</summary>
    private Tensor PerSampleLoss(Tensor logits, Criterion criterion, Tensor source)
    {
        using var scope = TensorScope.Begin();
        if (Options.Loss == ApgdLoss.DifferenceOfLogitsRatio)
        {
            return scope.Keep(criterion.IsTargeted
                ? TargetedDifferenceOfLogitsRatio(logits, source, criterion.Labels)
                : DifferenceOfLogitsRatio(logits, criterion.Labels));
        }

        var ce = Functional.CrossEntropy(logits, criterion.Labels, Reduction.None);
        return scope.Keep(criterion.IsTargeted ? ce.Neg() : ce);
    }

    /// <summary>The projection P: onto the ε-ball around <paramref name="origin"/>, then the clip to the box (AutoAttack's order).</summary>
    private Tensor Project(Tensor origin, Tensor point, double epsilon, Bounds bounds)
    {
        using var scope = TensorScope.Begin();
        return scope.Keep(origin.Add(Norm.Project(point.Sub(origin), epsilon)).Clamp(bounds.Low, bounds.High));
    }

    /// <summary>
    /// AutoAttack's start: ℓ∞, a uniform draw of [−1, 1]ⁿ rescaled so that its largest coordinate is ±1; ℓ2, a Gaussian
    /// direction; either times ε (a point on the ε-sphere), then clipped to the box.
    /// </summary>
    private Tensor RandomStart(AttackContext context, Tensor origin, double epsilon)
    {
        using var scope = TensorScope.Begin();
        var draw = ReferenceEquals(Norm, Norm.Linf)
            ? Torch.Torch.Rand(origin.Shape, context.Generator, origin.DType).Mul(2).Sub(1)
            : Torch.Torch.Randn(origin.Shape, context.Generator, origin.DType);
        var scale = Norm.Measure(draw).Clamp(min: 1e-12).Reciprocal().Mul(epsilon);
        var bounds = context.Model.Bounds;
        return scope.Keep(origin.Add(draw.Mul(Norm.PerSample(scale, draw))).Clamp(bounds.Low, bounds.High));
    }

    private static void RequireClasses(long classes, int needed, string what)
    {
        if (classes < needed)
        {
            throw new ArgumentException($"{what} needs at least {needed} classes (it divides by a gap between sorted logits); the model has {classes}", "model");
        }
    }

    /// <summary>What each input still in the batch carries from one iteration to the next (row i of each is one input).</summary>
    private sealed class Iterates
    {
        public required Tensor Rows;            // the inputs' rows in the batch, int64
        public required Tensor Origin;          // the clean inputs
        public required Tensor Source;          // the clean predictions
        public required Tensor Current;         // x⁽ᵏ⁾
        public required Tensor Previous;        // x⁽ᵏ⁻¹⁾
        public required Tensor Gradient;        // ∇f(x⁽ᵏ⁾)
        public required Tensor Best;            // x_max
        public required Tensor BestGradient;    // ∇f(x_max)
        public required Tensor BestLoss;        // f_max
        public required Tensor LastLoss;        // f(x⁽ᵏ⁾)
        public required Tensor Rises;           // steps since the last checkpoint that raised the loss
        public required Tensor StepSize;        // η
        public required Tensor BestLossAtCheckpoint;
        public required Tensor HalvedAtCheckpoint;

        /// <summary>Keeps only the rows <paramref name="keep"/> of every tensor.</summary>
        public void Keep(TensorScope iteration, Tensor keep)
        {
            iteration.Carry(ref Rows, Rows.IndexSelect(0, keep));
            iteration.Carry(ref Origin, Origin.IndexSelect(0, keep));
            iteration.Carry(ref Source, Source.IndexSelect(0, keep));
            iteration.Carry(ref Current, Current.IndexSelect(0, keep));
            iteration.Carry(ref Previous, Previous.IndexSelect(0, keep));
            iteration.Carry(ref Gradient, Gradient.IndexSelect(0, keep));
            iteration.Carry(ref Best, Best.IndexSelect(0, keep));
            iteration.Carry(ref BestGradient, BestGradient.IndexSelect(0, keep));
            iteration.Carry(ref BestLoss, BestLoss.IndexSelect(0, keep));
            iteration.Carry(ref LastLoss, LastLoss.IndexSelect(0, keep));
            iteration.Carry(ref Rises, Rises.IndexSelect(0, keep));
            iteration.Carry(ref StepSize, StepSize.IndexSelect(0, keep));
            iteration.Carry(ref BestLossAtCheckpoint, BestLossAtCheckpoint.IndexSelect(0, keep));
            iteration.Carry(ref HalvedAtCheckpoint, HalvedAtCheckpoint.IndexSelect(0, keep));
        }
    }
}
