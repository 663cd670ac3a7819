using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// Turns a fixed-ε attack into a minimum-norm one by searching ε per input: the inner attack runs at increasing ε on
/// the inputs it has not broken yet, and each input keeps the proposal of the first ε that breaks it — the way the
/// moment-regularizer paper's Table 4 reports PGD and FGSM as "minimum energy". ε runs over
/// <see cref="Steps"/> evenly spaced values in (0, <see cref="MaxEpsilon"/>], so the norm found is at most one grid step
/// above the inner attack's own minimum. Made by <see cref="AttackExtensions.MinimizeEpsilon"/>.
/// <code>var minimal = new FastGradientMethod(Norm.L2).MinimizeEpsilon(maxEpsilon: 10, steps: 100);</code>
/// </summary>
public sealed class MinimumEpsilonSearch : MinimumNormAttack
{
    internal MinimumEpsilonSearch(FixedEpsilonAttack inner, double maxEpsilon, int steps)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEpsilon);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        MaxEpsilon = maxEpsilon;
        Steps = steps;
    }

    public FixedEpsilonAttack Inner { get; }

    public double MaxEpsilon { get; }

    public int Steps { get; }

    public override Norm Norm => Inner.Norm;

    public override string Name => $"{Inner.Name}-min-eps";

    public override bool SupportsTargeted => Inner.SupportsTargeted;

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion)
    {
        var bounds = context.Model.Bounds;
        using var outer = TensorScope.Begin();
        var best = inputs.Clone();
        var active = context.NotYetAdversarial(inputs, criterion);
        for (var step = 1; step <= Steps && active.Size(0) > 0; step++)
        {
            using var scope = TensorScope.Begin();
            var epsilon = MaxEpsilon * step / Steps;
            var x = inputs.IndexSelect(0, active);
            var activeCriterion = criterion.Select(active);
            var (raw, _) = Inner.ProposeFor(context, x, activeCriterion, [epsilon]);
            // what the contract would report at this ε: the proposal clipped to the ball and the box
            var proposal = x.Add(Norm.Project(raw[0].Clamp(bounds.Low, bounds.High).Sub(x), epsilon)).Clamp(bounds.Low, bounds.High);
            raw[0].Dispose();
            var broken = activeCriterion.IsAdversarial(context.Logits(proposal));
            if (broken.Any().ToBoolean())
            {
                var hits = broken.Nonzero().Squeeze(1);
                var updated = best.IndexCopy(0, active.IndexSelect(0, hits), proposal.IndexSelect(0, hits));
                best.Dispose();
                best = scope.Keep(updated);
                active = scope.Keep(active.MaskedSelect(broken.LogicalNot()));
            }
        }

        return outer.Keep(best);
    }
}
