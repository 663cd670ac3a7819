using System.Globalization;
using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>Which distance EAD minimises when it picks the best adversarial among its iterates.</summary>
public enum EadDecisionRule
{
    /// <summary>The elastic-net distance ‖δ‖₂² + β‖δ‖₁ (the paper's "EN" rule).</summary>
    ElasticNet,

    /// <summary>The ℓ1 distance ‖δ‖₁ (the paper's "L1" rule).</summary>
    L1,
}

/// <summary>Settings of <see cref="ElasticNet"/>; the defaults are Chen et al.'s code, 1 000 iterations with abort-early.</summary>
public sealed record EadOptions
{
    /// <summary>
    /// FISTA iterations per binary-search step. Foolbox's EADAttack runs 10 000; as for C&amp;W, 1 000 keeps an evaluation
    /// affordable (nine search steps), and abort-early ends a search step once the loss has flattened.
    /// </summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Steps of the per-sample binary search over the constant c.</summary>
    public int BinarySearchSteps { get; init; } = 9;

    /// <summary>The constant c the search starts from.</summary>
    public double InitialConst { get; init; } = 1e-3;

    /// <summary>α₀: the first step size; step k uses α₀·√(1 − k/steps).</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>β: the weight of ‖δ‖₁ in the elastic net, and the shrinkage threshold (10⁻³ in the original code; Foolbox 10⁻²).</summary>
    public double Beta { get; init; } = 1e-3;

    /// <summary>κ: the logit margin an adversarial must reach.</summary>
    public double Confidence { get; init; }

    public EadDecisionRule DecisionRule { get; init; } = EadDecisionRule.ElasticNet;

    /// <summary>End a search step for an input once its loss fell by less than 0.01% over a tenth of the steps.</summary>
    public bool AbortEarly { get; init; } = true;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"steps={Steps}, binary search steps={BinarySearchSteps}, initial c={InitialConst}, lr={LearningRate}, β={Beta}, κ={Confidence}, rule={DecisionRule}, abort early={AbortEarly}");
}

/// <summary>
/// EAD, the elastic-net attack (Chen, Sharma, Zhang, Yi and Hsieh, "EAD: Elastic-Net Attacks to Deep Neural Networks via
/// Adversarial Examples", AAAI 2018). Minimises c·f(x') + ‖x' − x‖₂² + β‖x' − x‖₁ over the box with FISTA: a gradient step
/// on the smooth part c·f + ‖·‖₂² at the momentum point y, then the projected shrinkage-thresholding S_β of the paper
/// (eq. 7), which zeroes the changes smaller than β and clips to the box; f is C&amp;W's margin loss
/// max(Z_y − max_{k≠y} Z_k, −κ) (targeted: max(max_{k≠t} Z_k − Z_t, −κ)). A per-sample binary search over c (nine steps
/// from 10⁻³) and a decision rule (elastic-net or ℓ1 distance) pick the best adversarial. Norm ℓ1, whatever the
/// rule; defaults β 10⁻³, step 0.01 with square-root decay, 1 000 iterations with per-sample abort-early; inputs [N, ...]
/// in the model's box; deterministic.
/// <code>var result = new ElasticNet(new EadOptions { DecisionRule = EadDecisionRule.L1 }).Run(model, x, new Misclassification(y));</code>
/// </summary>
public sealed class ElasticNet : MinimumNormAttack
{
    public ElasticNet(EadOptions? options = null)
    {
        Options = options ?? new EadOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Steps, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.BinarySearchSteps, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.InitialConst, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.LearningRate, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(Options.Beta, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(Options.Confidence, nameof(options));
    }

    public EadOptions Options { get; }

    public override Norm Norm => Norm.L1;

    public override string Name => "ead";

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion) =>
        OnRemainingInputs(context, inputs, criterion, (x, attacked) => AttackRemaining(context, x, attacked));

    /// <summary>The attack proper, on inputs that do not meet the criterion yet.</summary>
    private Tensor AttackRemaining(AttackContext context, Tensor x, Criterion attacked)
    {
        using var outer = TensorScope.Begin();
        var count = x.Size(0);
        var search = new ConstantSearch((int)count, Options.InitialConst);
        var bestDistance = Torch.Torch.Full([count], double.PositiveInfinity, x.DType, x.Device);
        var best = x.Clone();
        for (var searchStep = 0; searchStep < Options.BinarySearchSteps; searchStep++)
        {
            using var step = TensorScope.Begin();
            var constants = search.Constants(searchStep, Options.BinarySearchSteps, x.DType, x.Device);
            var (distance, adversarial) = Minimise(context, x, attacked, constants);
            search.Update(distance.IsFinite().ToArray<bool>());
            var improved = distance.Lt(bestDistance);
            step.Carry(ref bestDistance, Torch.Torch.Where(improved, distance, bestDistance));
            step.Carry(ref best, Torch.Torch.Where(Norm.PerSample(improved, x), adversarial, best));
        }

        return outer.Keep(best);
    }

    /// <summary>
    /// One binary-search step: FISTA from x with per-sample <paramref name="constants"/> c. Returns the decision rule's
    /// distance of the best adversarial iterate per input (+∞ where none) and that iterate.
    /// </summary>
    private (Tensor Distance, Tensor Adversarial) Minimise(AttackContext context, Tensor x, Criterion criterion, Tensor constants)
    {
        using var scope = TensorScope.Begin();
        var count = x.Size(0);
        var bestDistance = Torch.Torch.Full([count], double.PositiveInfinity, x.DType, x.Device);
        var best = x.Clone();
        var lastCheckLoss = Torch.Torch.Full([count], double.PositiveInfinity, x.DType, x.Device);
        var active = Torch.Torch.Arange(count);
        var iterate = x.Clone(); // x_k
        var momentumPoint = x.Clone(); // y_k, where the gradient is taken
        var checkEvery = Math.Max(1, Options.Steps / 10);
        for (var step = 0; step < Options.Steps && active.Size(0) > 0; step++)
        {
            using var iteration = TensorScope.Begin();
            var xActive = x.IndexSelect(0, active);
            var c = constants.IndexSelect(0, active);
            var activeCriterion = criterion.Select(active);

            // gradient step on c·f + ‖y − x‖₂² at y_k, with the square-root decay of the original code
            var (_, objectiveGradient) = context.LossGradient(momentumPoint, z => Objective(z, activeCriterion).Mul(c));
            var gradient = objectiveGradient.Add(momentumPoint.Sub(xActive).Mul(2));
            var stepSize = Options.LearningRate * Math.Sqrt(1 - ((double)step / Options.Steps));
            var next = ShrinkageThresholding(momentumPoint.Sub(gradient, stepSize), xActive, context.Model.Bounds);
            // FISTA's momentum: y_{k+1} = x_{k+1} + k/(k + 3)·(x_{k+1} − x_k)
            iteration.Carry(ref momentumPoint, next.Add(next.Sub(iterate), (double)step / (step + 3)));
            iteration.Carry(ref iterate, next);

            // judge the new iterate: success, decision-rule distance, loss
            var logits = context.Logits(iterate);
            var margin = AttackContext.Margin(logits, activeCriterion.Labels, activeCriterion.IsTargeted);
            var difference = iterate.Sub(xActive);
            var l1 = difference.Abs().Flatten(1).Sum(1);
            var squaredL2 = difference.Square().Flatten(1).Sum(1);
            var elasticNet = squaredL2.Add(l1.Mul(Options.Beta));
            var distance = Options.DecisionRule == EadDecisionRule.L1 ? l1 : elasticNet;
            var success = activeCriterion.IsAdversarial(logits).LogicalAnd(margin.Ge(Options.Confidence));
            var previousBest = bestDistance.IndexSelect(0, active);
            var improved = success.LogicalAnd(distance.Lt(previousBest));
            iteration.Carry(ref bestDistance, bestDistance.IndexCopy(0, active, Torch.Torch.Where(improved, distance, previousBest)));
            var kept = Torch.Torch.Where(Norm.PerSample(improved, iterate), iterate, best.IndexSelect(0, active));
            iteration.Carry(ref best, best.IndexCopy(0, active, kept));

            if (Options.AbortEarly && step % checkEvery == 0)
            {
                var loss = elasticNet.Add(margin.Neg().Clamp(min: -Options.Confidence).Mul(c));
                var stalled = loss.Gt(lastCheckLoss.IndexSelect(0, active).Mul(0.9999));
                iteration.Carry(ref lastCheckLoss, lastCheckLoss.IndexCopy(0, active, loss));
                if (stalled.Any().ToBoolean())
                {
                    var keep = stalled.LogicalNot().Nonzero().Squeeze(1);
                    iteration.Carry(ref active, active.IndexSelect(0, keep));
                    iteration.Carry(ref iterate, iterate.IndexSelect(0, keep));
                    iteration.Carry(ref momentumPoint, momentumPoint.IndexSelect(0, keep));
                }
            }
        }

        return (scope.Keep(bestDistance), scope.Keep(best));
    }

    /// <summary>
    /// S_β of the paper (eq. 7), projected onto the box: changes z − x₀ within ±β are undone, larger ones are shrunk by β.
    /// The threshold is β itself, not step·β as in textbook ISTA: the paper and both reference codes use β.
    /// </summary>
    private Tensor ShrinkageThresholding(Tensor z, Tensor x0, Bounds bounds)
    {
        using var scope = TensorScope.Begin();
        var change = z.Sub(x0);
        var up = z.Sub(Options.Beta).Clamp(max: bounds.High);
        var down = z.Add(Options.Beta).Clamp(min: bounds.Low);
        var shrunk = Torch.Torch.Where(change.Gt(Options.Beta), up, Torch.Torch.Where(change.Lt(-Options.Beta), down, x0));
        return scope.Keep(shrunk);
    }

    /// <summary>f = max(−margin, −κ), C&amp;W's margin loss on the logits.</summary>
    private Tensor Objective(Tensor logits, Criterion criterion)
    {
        using var margin = AttackContext.Margin(logits, criterion.Labels, criterion.IsTargeted);
        using var negated = margin.Neg();
        return negated.Clamp(min: -Options.Confidence);
    }
}
