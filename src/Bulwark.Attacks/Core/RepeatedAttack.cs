using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// Runs an attack several times (random restarts; each run continues the same seeded stream, so the first run is
/// the attack alone) and keeps the best per input: for fixed-ε attacks, per ε, the first proposal that meets the
/// criterion; for minimum-norm attacks, the adversarial proposal of smallest norm. Made by
/// <see cref="AttackExtensions.Repeat"/>: <c>new ProjectedGradientDescent().Repeat(5)</c>.
/// </summary>
public sealed class RepeatedAttack : Attack
{
    internal RepeatedAttack(Attack inner, int times)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        Times = times;
    }

    public Attack Inner { get; }

    public int Times { get; }

    public override Norm Norm => Inner.Norm;

    public override string Name => $"{Inner.Name}×{Times}";

    public override bool SupportsTargeted => Inner.SupportsTargeted;

    private protected override (IReadOnlyList<Tensor> Raw, Tensor? Norms) Propose(AttackContext context, Tensor inputs,
        Criterion criterion, IReadOnlyList<double> epsilons)
    {
        var (best, _) = Inner.ProposeFor(context, inputs, criterion, epsilons);
        var bestList = best.ToList();
        for (var run = 1; run < Times; run++)
        {
            var (next, _) = Inner.ProposeFor(context, inputs, criterion, epsilons);
            for (var i = 0; i < bestList.Count; i++)
            {
                using var scope = TensorScope.Begin();
                var epsilon = epsilons.Count == bestList.Count ? epsilons[i] : double.PositiveInfinity;
                var keepNext = Better(context, inputs, criterion, bestList[i], next[i], epsilon);
                var merged = Torch.Torch.Where(Norm.PerSample(keepNext, inputs), next[i], bestList[i]);
                bestList[i].Dispose();
                next[i].Dispose();
                bestList[i] = scope.Release(merged);
            }
        }

        return (bestList, null);
    }

    /// <summary>Per input: does <paramref name="candidate"/> beat <paramref name="incumbent"/>?</summary>
    private Tensor Better(AttackContext context, Tensor inputs, Criterion criterion, Tensor incumbent, Tensor candidate, double epsilon)
    {
        using var scope = TensorScope.Begin();
        var bounds = context.Model.Bounds;
        Tensor Verdict(Tensor proposal)
        {
            var clipped = double.IsPositiveInfinity(epsilon)
                ? proposal.Clamp(bounds.Low, bounds.High)
                : inputs.Add(Norm.Project(proposal.Clamp(bounds.Low, bounds.High).Sub(inputs), epsilon)).Clamp(bounds.Low, bounds.High);
            return criterion.IsAdversarial(context.Logits(clipped));
        }

        var incumbentWins = Verdict(incumbent);
        var candidateWins = Verdict(candidate);
        if (Inner is FixedEpsilonAttack)
        {
            return scope.Keep(candidateWins.LogicalAnd(incumbentWins.LogicalNot()));
        }

        var smaller = Norm.Measure(candidate.Sub(inputs)).Lt(Norm.Measure(incumbent.Sub(inputs)));
        return scope.Keep(candidateWins.LogicalAnd(incumbentWins.LogicalNot().LogicalOr(smaller)));
    }
}

/// <summary>Combinators over attacks.</summary>
public static class AttackExtensions
{
    /// <summary>Runs <paramref name="attack"/> <paramref name="times"/> times and keeps the best per input.</summary>
    public static RepeatedAttack Repeat(this Attack attack, int times) => new(attack, times);

    /// <summary>
    /// A minimum-norm attack that searches, per input, the smallest ε (on a grid of <paramref name="steps"/> values up
    /// to <paramref name="maxEpsilon"/>) at which <paramref name="attack"/> succeeds.
    /// </summary>
    public static MinimumEpsilonSearch MinimizeEpsilon(this FixedEpsilonAttack attack, double maxEpsilon, int steps = 100) =>
        new(attack, maxEpsilon, steps);
}
