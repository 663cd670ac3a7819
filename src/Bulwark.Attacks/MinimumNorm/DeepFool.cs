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

/// <summary>Settings of <see cref="DeepFool"/>; the defaults are the LTS4 reference's.</summary>
public sealed record DeepFoolOptions
{
    public int Steps { get; init; } = 50;

    public double Overshoot { get; init; } = 0.02;

    /// <summary>Candidate classes: the top-k of the original logits (LTS4: 10); null = every class.</summary>
    public int? Candidates { get; init; } = 10;

    /// <summary>Per-iteration cap on the step length (margin code 0.5, critic code 0.1); null = none.</summary>
    public double? MaxStep { get; init; }

    /// <summary>Added to each step's length (LTS4 1e-4; the margin code adds nothing).</summary>
    public double StepEpsilon { get; init; } = 1e-4;

    /// <summary>
    /// Clamping every iterate (the default) keeps the search inside the box, so the final clip cannot undo success;
    /// <see cref="DeepFoolBoxHandling.None"/> reproduces the unclipped references (give the model an unbounded box to
    /// measure ρ as they do).
    /// </summary>
    public DeepFoolBoxHandling Box { get; init; } = DeepFoolBoxHandling.ClampEachStep;

    public override string ToString() =>
        $"steps={Steps}, overshoot={Overshoot}, candidates={(Candidates?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "all")}, max step={MaxStep?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, box={Box}";
}

/// <summary>
/// DeepFool (Moosavi-Dezfooli et al. 2016): linearise the classifier at the current point and jump to the nearest
/// linearised decision boundary among the candidate classes, until the label changes; the total perturbation is
/// scaled by (1 + overshoot). ℓ2: step (|f_k|/‖w_k‖₂ + ε₀)·w_k/‖w_k‖₂; ℓ∞: step (|f_k|/‖w_k‖₁ + ε₀)·sign(w_k).
/// All class gradients come from one batched backward, and inputs leave the active set as soon as they are fooled.
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
                var point = Options.Box == DeepFoolBoxHandling.None ? x.Add(r) : x.Add(r).Clamp(bounds.Low, bounds.High);
                Tensor pointLogits, jacobian;
                using (Autograd.EnableGrad())
                {
                    (pointLogits, jacobian) = context.LogitJacobian(point);
                }

                var activeLabels = labels.IndexSelect(0, active);
                var activeCandidates = candidates.IndexSelect(0, active);
                var step_ = Step(pointLogits, jacobian, activeLabels, activeCandidates);
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
                // check at x + (1 + overshoot)·r, as the reference does
                var candidate = x.Add(newTotal.Mul(scale));
                if (Options.Box == DeepFoolBoxHandling.ClampEachStep)
                {
                    candidate = candidate.Clamp(bounds.Low, bounds.High);
                }

                var activeCriterion = criterion.Select(active);
                var done = activeCriterion.IsAdversarial(context.Logits(candidate));
                scope.Carry(ref active, active.MaskedSelect(done.LogicalNot()));
            }
        }

        return outer.Keep(inputs.Add(total.Mul(scale)).Clamp(bounds.Low, bounds.High));
    }

    /// <summary>The step to the nearest linearised boundary among the candidates (label excluded).</summary>
    private Tensor Step(Tensor logits, Tensor jacobian, Tensor labels, Tensor candidates)
    {
        using var scope = TensorScope.Begin();
        var n = logits.Size(0);
        var shape = jacobian.Shape; // [n, K, ...]
        var flatJacobian = jacobian.Flatten(2); // [n, K, d]
        var labelIndex = labels.Unsqueeze(1);
        var labelLogit = logits.Gather(1, labelIndex); // [n, 1]
        var labelGradient = flatJacobian.IndexSelectRows(labels); // [n, 1, d]
        var candidateLogits = logits.Gather(1, candidates); // [n, c]
        var gatherIndex = candidates.Unsqueeze(2).Expand(n, candidates.Size(1), flatJacobian.Size(2));
        var candidateGradients = flatJacobian.Gather(1, gatherIndex); // [n, c, d]
        var w = candidateGradients.Sub(labelGradient); // w_k = ∇f_k − ∇f_label
        var f = candidateLogits.Sub(labelLogit); // f_k − f_label
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

internal static class JacobianRows
{
    /// <summary>Rows [n, 1, d] of a Jacobian [n, K, d] at one class per sample.</summary>
    public static Tensor IndexSelectRows(this Tensor jacobian, Tensor classes) =>
        jacobian.Gather(1, classes.View(-1, 1, 1).Expand(jacobian.Size(0), 1, jacobian.Size(2)));
}
