using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>How DeepFool keeps its iterates in the input box (the variants of METHODS §7A differ here).</summary>
public enum DeepFoolBoxHandling
{
    /// <summary>No clipping while iterating (LTS4 reference, margin code); the result is clipped once at the end.</summary>
    None,

    /// <summary>Clamp x + (1+overshoot)·r to the box after every iteration (the cpgd copy).</summary>
    ClampEachStep,

    /// <summary>r ← (clip(x + (1+overshoot)·r) − x)/(1+overshoot) after every iteration (the adversary-critic code).</summary>
    ProjectEachStep,
}

/// <summary>Where DeepFool linearises the classifier at each iteration (the references differ here too).</summary>
public enum DeepFoolLinearisation
{
    /// <summary>At the point it checks, x + (1+overshoot)·r, boxed as <see cref="DeepFoolOptions.Box"/> says (LTS4 and the cpgd copy).</summary>
    Overshot,

    /// <summary>At x + r, while checking at x + (1+overshoot)·r (the margin-maximisation and adversary-critic code).</summary>
    Iterate,
}

/// <summary>
/// Settings of <see cref="DeepFool"/>. The defaults are the cpgd copy of the LTS4 reference (variant D of METHODS §7A:
/// top-10 candidates, step (|f|/‖w‖ + 10⁻⁴), linearised at the overshot point, clamped to the box every iteration);
/// <see cref="Lts4"/>, <see cref="MarginMaximization"/> and <see cref="AdversaryCritic"/> are the other variants. The label
/// source (prediction or ground truth) is the criterion's: give <c>new Misclassification(predictions)</c> for LTS4's.
/// </summary>
public sealed record DeepFoolOptions
{
    /// <summary>Variant A, the LTS4 reference: top-10 candidates, no box while iterating (clipped once at the end), 50 iterations.</summary>
    public static DeepFoolOptions Lts4 { get; } = new() { Box = DeepFoolBoxHandling.None };

    /// <summary>
    /// Variant B, the margin-maximisation code: every class a candidate, steps capped at 0.5 without the 10⁻⁴, linearised
    /// at x + r, no box while iterating.
    /// </summary>
    public static DeepFoolOptions MarginMaximization { get; } = new()
    {
        Candidates = null, MaxStep = 0.5, StepEpsilon = 0, Linearisation = DeepFoolLinearisation.Iterate, Box = DeepFoolBoxHandling.None,
    };

    /// <summary>
    /// Variant C, the adversary-critic evaluation: every class a candidate, steps capped at 0.1 plus 10⁻⁴, linearised at
    /// x + r, r projected so that x + (1+overshoot)·r stays in the box, 500 iterations.
    /// </summary>
    public static DeepFoolOptions AdversaryCritic { get; } = new()
    {
        Steps = 500, Candidates = null, MaxStep = 0.1, Linearisation = DeepFoolLinearisation.Iterate, Box = DeepFoolBoxHandling.ProjectEachStep,
    };

    public int Steps { get; init; } = 50;

    public double Overshoot { get; init; } = 0.02;

    /// <summary>Candidate classes: the top-k of the original logits (LTS4: 10); null = every class.</summary>
    public int? Candidates { get; init; } = 10;

    /// <summary>Per-iteration cap on the step length (margin code 0.5, critic code 0.1); null = none.</summary>
    public double? MaxStep { get; init; }

    /// <summary>Added to each step's length (LTS4 1e-4; the margin code adds nothing).</summary>
    public double StepEpsilon { get; init; } = 1e-4;

    /// <summary>Where the classifier is linearised: at the overshot point it checks (LTS4, the default) or at x + r.</summary>
    public DeepFoolLinearisation Linearisation { get; init; } = DeepFoolLinearisation.Overshot;

    /// <summary>
    /// Clamping every iterate (the default) keeps the search inside the box, so the final clip cannot undo success;
    /// <see cref="DeepFoolBoxHandling.None"/> reproduces the unclipped references (give the model an unbounded box to
    /// measure ρ as they do).
    /// </summary>
    public DeepFoolBoxHandling Box { get; init; } = DeepFoolBoxHandling.ClampEachStep;

    public override string ToString() =>
        $"steps={Steps}, overshoot={Overshoot}, candidates={(Candidates?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all")}, max step={MaxStep?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, step ε={StepEpsilon.ToString(System.Globalization.CultureInfo.InvariantCulture)}, linearised at {Linearisation}, box={Box}";
}

/// <summary>
/// DeepFool (Moosavi-Dezfooli et al. 2016): linearise the classifier at the current point and jump to the nearest
/// linearised decision boundary among the candidate classes, until the label changes; the total perturbation is
/// scaled by (1 + overshoot). ℓ2: step (|f_k|/‖w_k‖₂ + ε₀)·w_k/‖w_k‖₂; ℓ∞: step (|f_k|/‖w_k‖₁ + ε₀)·sign(w_k).
/// Each iteration takes one forward pass and one backward pass per candidate other than the label (w_k directly, through
/// the retained graph), on the inputs still correctly classified only: an input leaves as soon as it is fooled.
/// The label is the criterion's (ground truth, or the model's prediction for the LTS4 variant). Untargeted.
/// </summary>
public sealed class DeepFool(Norm? norm = null, DeepFoolOptions? options = null) : MinimumNormAttack
{
    public override Norm Norm { get; } = ValidNorm(norm ?? Norm.L2);

    public DeepFoolOptions Options { get; } = options ?? new DeepFoolOptions();

    public override string Name => "deepfool";

    public override bool SupportsTargeted => false;

    private static Norm ValidNorm(Norm norm) =>
        ReferenceEquals(norm, Norm.L2) || ReferenceEquals(norm, Norm.Linf)
            ? norm
            : throw new ArgumentException($"DeepFool works in l2 or linf, not {norm}", nameof(norm));

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion)
    {
        var bounds = context.Model.Bounds;
        var scale = 1 + Options.Overshoot;
        using var outer = TensorScope.Begin();
        var n = inputs.Size(0);
        var labels = criterion.Labels;
        var total = Torch.Torch.ZerosLike(inputs);
        Tensor candidates;
        using (var noGrad = Autograd.NoGrad())
        {
            var logits = context.Logits(inputs);
            var k = Math.Min(Options.Candidates ?? (int)logits.Size(1), (int)logits.Size(1));
            // the candidate set is fixed from the original logits (LTS4); the label is always a candidate
            candidates = k == logits.Size(1)
                ? Torch.Torch.Arange(logits.Size(1), DType.Int64).Unsqueeze(0).Expand(n, logits.Size(1)).Contiguous()
                : logits.TopK(k, 1).Indices;
            var fooled = criterion.IsAdversarial(logits);
            var active = fooled.LogicalNot().Nonzero().Squeeze(1);
            for (var step = 0; step < Options.Steps && active.Size(0) > 0; step++)
            {
                using var scope = TensorScope.Begin();
                var x = inputs.IndexSelect(0, active);
                var r = total.IndexSelect(0, active);
                var point = Options.Linearisation == DeepFoolLinearisation.Overshot ? CheckedPoint(x, r, bounds) : x.Add(r);
                if (Options.Box != DeepFoolBoxHandling.None)
                {
                    point = point.Clamp(bounds.Low, bounds.High);
                }

                var activeLabels = labels.IndexSelect(0, active);
                var activeCandidates = OtherCandidates(candidates.IndexSelect(0, active), activeLabels);
                Tensor pointLogits, differences;
                using (Autograd.EnableGrad())
                {
                    (pointLogits, differences) = context.LogitDifferenceGradients(point, activeLabels, activeCandidates);
                }

                var step_ = Step(pointLogits, differences, activeLabels, activeCandidates);
                var newTotal = r.Add(step_);
                if (Options.Box != DeepFoolBoxHandling.None)
                {
                    var boxed = x.Add(newTotal.Mul(scale)).Clamp(bounds.Low, bounds.High);
                    if (Options.Box == DeepFoolBoxHandling.ProjectEachStep)
                    {
                        newTotal = boxed.Sub(x).Div(scale);
                    }
                }

                // Carry frees the previous iterate now; the new one lives in the outer scope until the attack ends
                scope.Carry(ref total, total.IndexCopy(0, active, newTotal));
                // check at x + (1 + overshoot)·r, as the references do
                var candidate = CheckedPoint(x, newTotal, bounds);
                var activeCriterion = criterion.Select(active);
                var done = activeCriterion.IsAdversarial(context.Logits(candidate));
                scope.Carry(ref active, active.MaskedSelect(done.LogicalNot()));
            }
        }

        return outer.Keep(inputs.Add(total.Mul(scale)).Clamp(bounds.Low, bounds.High));
    }

    /// <summary>x + (1 + overshoot)·r, clamped to the box when the iterates are.</summary>
    private Tensor CheckedPoint(Tensor x, Tensor r, Bounds bounds)
    {
        var point = x.Add(r.Mul(1 + Options.Overshoot));
        return Options.Box == DeepFoolBoxHandling.ClampEachStep ? point.Clamp(bounds.Low, bounds.High) : point;
    }

    /// <summary>
    /// The candidate classes other than the label, [n, k − 1], when every row holds its label (as it does when the label
    /// is the prediction, or a ground truth the model gets right); otherwise the candidates as they are, the label's
    /// column then contributing w = 0, which <see cref="Step"/> leaves out.
    /// </summary>
    private static Tensor OtherCandidates(Tensor candidates, Tensor labels)
    {
        using var scope = TensorScope.Begin();
        var others = candidates.Ne(labels.Unsqueeze(1));
        var k = candidates.Size(1);
        if (k < 2 || !others.Sum(1).Eq(k - 1).All().ToBoolean())
        {
            return scope.Keep(candidates.Clone());
        }

        return scope.Keep(candidates.MaskedSelect(others).View(candidates.Size(0), k - 1));
    }

    /// <summary>
    /// The step to the nearest linearised boundary among the <paramref name="candidates"/> [n, m], given the logits and
    /// w_k = ∇f_k − ∇f_label [n, m, ...] of each candidate (a candidate equal to the label is left out).
    /// </summary>
    private Tensor Step(Tensor logits, Tensor differences, Tensor labels, Tensor candidates)
    {
        using var scope = TensorScope.Begin();
        var n = logits.Size(0);
        var shape = differences.Shape; // [n, m, ...]
        var w = differences.Flatten(2); // [n, m, d]
        var labelIndex = labels.Unsqueeze(1);
        var f = logits.Gather(1, candidates).Sub(logits.Gather(1, labelIndex)); // f_k − f_label, [n, m]
        var wNorm = ReferenceEquals(Norm, Norm.L2) ? w.Norm(2, 2) : w.Norm(1, 2); // dual norm
        var distance = f.Abs().Div(wNorm.Clamp(min: 1e-12));
        // the label itself is no candidate
        distance = distance.MaskedFill(candidates.Eq(labelIndex), double.PositiveInfinity);
        var (nearest, index) = distance.Min(1, keepDim: true);
        var length = nearest;
        if (Options.MaxStep is { } cap)
        {
            length = length.Clamp(max: cap);
        }

        length = length.Add(Options.StepEpsilon); // [n, 1]
        var chosen = w.Gather(1, index.Unsqueeze(2).Expand(n, 1, w.Size(2))).Squeeze(1); // [n, d]
        Tensor direction = ReferenceEquals(Norm, Norm.L2)
            ? chosen.Div(chosen.Norm(2, 1, keepDim: true).Clamp(min: 1e-12))
            : chosen.Sign();
        var result = direction.Mul(length).View([n, .. shape[2..]]);
        return scope.Keep(result);
    }
}
