using System.Globalization;
using Bulwark.Torch;
using Bulwark.Torch.Optim;

namespace Bulwark.Attacks;

/// <summary>Settings of <see cref="CarliniWagnerL2"/>; the defaults are Carlini &amp; Wagner's, except <see cref="Steps"/>.</summary>
public sealed record CarliniWagnerOptions
{
    /// <summary>
    /// Adam steps per binary-search step. The original code runs 10 000 (Foolbox keeps that): with nine search steps
    /// that is up to 90 000 gradients per input, more than an evaluation on CPU can spend, and abort-early usually ends a
    /// search step long before the limit anyway, once the loss has flattened. Raise it for a final, strongest evaluation.
    /// </summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Steps of the per-sample binary search over the constant c.</summary>
    public int BinarySearchSteps { get; init; } = 9;

    /// <summary>The constant c the search starts from.</summary>
    public double InitialConst { get; init; } = 1e-3;

    /// <summary>Adam's learning rate on the tanh-space variable w.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>κ: the logit margin an adversarial must reach (0 = just across the boundary).</summary>
    public double Confidence { get; init; }

    /// <summary>End a search step for an input once its loss fell by less than 0.01% over a tenth of the steps.</summary>
    public bool AbortEarly { get; init; } = true;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"steps={Steps}, binary search steps={BinarySearchSteps}, initial c={InitialConst}, lr={LearningRate}, κ={Confidence}, abort early={AbortEarly}");
}

/// <summary>
/// Carlini–Wagner ℓ2 (Carlini &amp; Wagner, "Towards Evaluating the Robustness of Neural Networks", S&amp;P 2017).
/// Optimises w, with x' = low + width·(tanh(w) + 1)/2 always inside the box, to minimise
/// ‖x' − x‖₂² + c·f(x'), f = max(Z_y − max_{k≠y} Z_k, −κ) on the logits Z (targeted: max(max_{k≠t} Z_k − Z_t, −κ)),
/// with Adam; a per-sample binary search over c (nine steps from 10⁻³) trades distance against success, and the
/// smallest adversarial found over all steps is kept. Norm ℓ2; defaults as the paper's code but 1 000 Adam steps
/// instead of 10 000 (see <see cref="CarliniWagnerOptions.Steps"/>); inputs [N, ...] in the model's box; deterministic.
/// Each input leaves a search step as soon as its own loss stops decreasing (the original stops the whole batch when
/// the summed loss does, which would make one input's result depend on its batch-mates).
/// <code>var result = new CarliniWagnerL2(new CarliniWagnerOptions { Steps = 200 }).Run(model, x, new Misclassification(y));</code>
/// </summary>
public sealed class CarliniWagnerL2 : MinimumNormAttack
{
    // Adam's moment decays and denominator floor, TensorFlow's defaults as in the original code
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double AdamEpsilon = 1e-8;

    public CarliniWagnerL2(CarliniWagnerOptions? options = null)
    {
        Options = options ?? new CarliniWagnerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Steps, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.BinarySearchSteps, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.InitialConst, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.LearningRate, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(Options.Confidence, nameof(options));
    }

    public CarliniWagnerOptions Options { get; }

    public override Norm Norm => Norm.L2;

    public override string Name => "cw";

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion) =>
        OnRemainingInputs(context, inputs, criterion, (x, attacked) => AttackRemaining(context, x, attacked));

    /// <summary>The attack proper, on inputs that do not meet the criterion yet.</summary>
    private Tensor AttackRemaining(AttackContext context, Tensor x, Criterion attacked)
    {
        using var outer = TensorScope.Begin();
        var bounds = context.Model.Bounds;
        var count = x.Size(0);
        var search = new ConstantSearch((int)count, Options.InitialConst);
        var start = ToTanhSpace(x, bounds);
        var bestDistance = Torch.Torch.Full([count], double.PositiveInfinity, x.DType, x.Device);
        var best = x.Clone();
        for (var searchStep = 0; searchStep < Options.BinarySearchSteps; searchStep++)
        {
            using var step = TensorScope.Begin();
            var constants = search.Constants(searchStep, Options.BinarySearchSteps, x.DType, x.Device);
            var (distance, adversarial) = Minimise(context, x, attacked, start, constants);
            search.Update(distance.IsFinite().ToArray<bool>());
            var improved = distance.Lt(bestDistance);
            step.Carry(ref bestDistance, Torch.Torch.Where(improved, distance, bestDistance));
            step.Carry(ref best, Torch.Torch.Where(Norm.PerSample(improved, x), adversarial, best));
        }

        return outer.Keep(best);
    }

    /// <summary>
    /// One binary-search step: Adam on w from <paramref name="start"/> with per-sample <paramref name="constants"/> c.
    /// Returns the squared distance of the best adversarial found per input (+∞ where none) and that adversarial.
    /// The state of the inputs still optimising is kept compacted, and written back to the full batch only when some
    /// input stops (at most ten times), so that a step touches the active inputs alone.
    /// </summary>
    private (Tensor Distance, Tensor Adversarial) Minimise(AttackContext context, Tensor x, Criterion criterion, Tensor start,
        Tensor constants)
    {
        using var scope = TensorScope.Begin();
        var bounds = context.Model.Bounds;
        var halfWidth = bounds.Width / 2;
        var count = x.Size(0);
        var bestDistance = Torch.Torch.Full([count], double.PositiveInfinity, x.DType, x.Device);
        var best = x.Clone();
        // the active inputs' state: their positions in the batch, inputs, constants, criterion, w, Adam's moments, best so far
        var active = Torch.Torch.Arange(count);
        var xActive = x.Clone();
        var c = constants.Clone();
        var activeCriterion = criterion;
        var w = start.Clone();
        var firstMoment = Torch.Torch.ZerosLike(w);
        var secondMoment = Torch.Torch.ZerosLike(w);
        var activeBest = x.Clone();
        var activeBestDistance = bestDistance.Clone();
        var lastCheckLoss = bestDistance.Clone();
        var checkEvery = Math.Max(1, Options.Steps / 10);
        for (var step = 0; step < Options.Steps && active.Size(0) > 0; step++)
        {
            using var iteration = TensorScope.Begin();
            var tanh = w.Tanh();
            var adversarial = tanh.Add(1).Mul(halfWidth).Add(bounds.Low).Clamp(bounds.Low, bounds.High);
            var (logits, objectiveGradient) = context.LossGradient(adversarial, z => Objective(z, activeCriterion).Mul(c));

            // ∂/∂w of ‖x' − x‖² + c·f(x'), through dx'/dw = width/2 · (1 − tanh²(w)), and Adam with TensorFlow's placement
            // of ε, as in the original: lr_t = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ); w and the moments change in place
            var t = step + 1;
            var stepSize = Options.LearningRate * Math.Sqrt(1 - Math.Pow(Beta2, t)) / (1 - Math.Pow(Beta1, t));
            var distance = TanhSpaceAdam.Step(w, firstMoment, secondMoment, tanh, xActive, adversarial, objectiveGradient, halfWidth,
                stepSize, Beta1, Beta2, AdamEpsilon);

            // the smallest adversarial so far, judged at κ as the original does
            var margin = AttackContext.Margin(logits, activeCriterion.Labels, activeCriterion.IsTargeted);
            var success = activeCriterion.IsAdversarial(logits).LogicalAnd(margin.Ge(Options.Confidence));
            var improved = success.LogicalAnd(distance.Lt(activeBestDistance));
            iteration.Carry(ref activeBestDistance, Torch.Torch.Where(improved, distance, activeBestDistance));
            iteration.Carry(ref activeBest, Torch.Torch.Where(Norm.PerSample(improved, adversarial), adversarial, activeBest));

            if (Options.AbortEarly && step % checkEvery == 0)
            {
                var loss = distance.Add(ObjectiveOf(margin).Mul(c));
                var stalled = loss.Gt(lastCheckLoss.Mul(0.9999));
                iteration.Carry(ref lastCheckLoss, loss);
                if (stalled.Any().ToBoolean())
                {
                    // the stalled inputs are done: everything goes back to the batch, and the rest is compacted
                    iteration.Carry(ref bestDistance, bestDistance.IndexCopy(0, active, activeBestDistance));
                    iteration.Carry(ref best, best.IndexCopy(0, active, activeBest));
                    var keep = stalled.LogicalNot().Nonzero().Squeeze(1);
                    iteration.Carry(ref active, active.IndexSelect(0, keep));
                    iteration.Carry(ref xActive, xActive.IndexSelect(0, keep));
                    iteration.Carry(ref c, c.IndexSelect(0, keep));
                    activeCriterion = activeCriterion.Select(keep);
                    iteration.Keep(activeCriterion.Labels);
                    iteration.Carry(ref w, w.IndexSelect(0, keep));
                    iteration.Carry(ref firstMoment, firstMoment.IndexSelect(0, keep));
                    iteration.Carry(ref secondMoment, secondMoment.IndexSelect(0, keep));
                    iteration.Carry(ref activeBest, activeBest.IndexSelect(0, keep));
                    iteration.Carry(ref activeBestDistance, activeBestDistance.IndexSelect(0, keep));
                    iteration.Carry(ref lastCheckLoss, lastCheckLoss.IndexSelect(0, keep));
                }
            }
        }

        if (active.Size(0) > 0)
        {
            bestDistance = bestDistance.IndexCopy(0, active, activeBestDistance);
            best = best.IndexCopy(0, active, activeBest);
        }

        return (scope.Keep(bestDistance), scope.Keep(best));
    }

    /// <summary>f = max(−margin, −κ): Z_y − max_{k≠y} Z_k (targeted: max_{k≠t} Z_k − Z_t), floored at −κ (eq. f₆ of the paper).</summary>
    private Tensor Objective(Tensor logits, Criterion criterion)
    {
        using var margin = AttackContext.Margin(logits, criterion.Labels, criterion.IsTargeted);
        return ObjectiveOf(margin);
    }

    /// <summary>f from a margin already computed: max(−margin, −κ).</summary>
    private Tensor ObjectiveOf(Tensor margin)
    {
        using var negated = margin.Neg();
        return negated.Clamp(min: -Options.Confidence);
    }

    /// <summary>w with x = low + width·(tanh(w) + 1)/2; scaled by 1 − 10⁻⁶ as the original does, so atanh stays finite on the box's faces.</summary>
    private static Tensor ToTanhSpace(Tensor x, Bounds bounds)
    {
        using var scope = TensorScope.Begin();
        var z = x.Sub(bounds.Low).Mul(2 / bounds.Width).Sub(1).Mul(1 - 1e-6);
        // atanh(z) = ½·log((1 + z)/(1 − z))
        var w = z.Add(1).Div(z.Neg().Add(1)).Log().Mul(0.5);
        return scope.Keep(w);
    }
}
