using System.Diagnostics;
using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// Several attacks of one norm run in turn, AutoAttack's rule (Croce &amp; Hein 2020): each member runs only on the
/// inputs that the members before it left robust, and an input counts as broken at ε when any member broke it there —
/// the pointwise worst case. Fixed-ε members run per ε on the inputs still robust at that ε; a minimum-norm member
/// runs once on the inputs still robust at some ε, and its proposal is clipped to each ε-ball (and the box) in turn.
/// The ensemble is itself an <see cref="Attack"/>: the base class clips and re-predicts its proposals like any other,
/// and <see cref="AttackResult.Breakdown"/> says which member broke which input and the robust accuracy left after each.
/// It answers per ε, so it needs a non-empty ε list; members share one stream, seeded once. The ε-balls are nested:
/// an input broken at ε is broken at every larger ε by the same point, so it is not attacked again there (the ε are
/// worked through in increasing order), which also keeps robust accuracy monotone in ε.
/// <code>
/// var autoAttack = new AttackEnsemble(apgdCe, apgdDlr);
/// using var result = autoAttack.Run(model, x, new Misclassification(y), [0.1, 0.2, 0.3]);
/// var afterEach = result.Breakdown!.Members.Select(m => m.RobustAccuracy);
/// </code>
/// </summary>
public sealed class AttackEnsemble : Attack
{
    /// <summary>An ensemble of <paramref name="members"/>, run in the order given.</summary>
    /// <exception cref="ArgumentException">No members, a null member, or members of different norms.</exception>
    public AttackEnsemble(params IEnumerable<Attack> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        Members = members.ToArray();
        if (Members.Count == 0)
        {
            throw new ArgumentException("an ensemble needs at least one attack", nameof(members));
        }

        if (Members.Any(m => m is null))
        {
            throw new ArgumentException("an ensemble's members must not be null", nameof(members));
        }

        if (Members.Select(m => m.Norm).Distinct().Count() > 1)
        {
            throw new ArgumentException(
                $"an ensemble's members must share one norm (the worst case is per norm); got {string.Join(", ", Members.Select(m => $"{m.Name} ({m.Norm})"))}",
                nameof(members));
        }

        foreach (var member in Members)
        {
            ProposesPerEpsilon(member); // rejects unknown kinds now rather than mid-run
        }
    }

    /// <summary>The attacks, in the order they run.</summary>
    public IReadOnlyList<Attack> Members { get; }

    public override Norm Norm => Members[0].Norm;

    /// <summary>The members' names joined by '+', e.g. "apgd-ce+apgd-dlr".</summary>
    public override string Name => string.Join("+", Members.Select(m => m.Name));

    public override bool SupportsTargeted => Members.All(m => m.SupportsTargeted);

    private protected override (IReadOnlyList<Tensor> Raw, Tensor? Norms) Propose(AttackContext context, Tensor inputs,
        Criterion criterion, IReadOnlyList<double> epsilons)
    {
        if (epsilons.Count == 0)
        {
            throw new ArgumentException($"{Name} is an ensemble: it answers per ε, give it at least one epsilon", nameof(epsilons));
        }

        var n = (int)inputs.Size(0);
        var brokenBy = new int[epsilons.Count][];
        using (var scope = TensorScope.Begin())
        {
            var already = criterion.IsAdversarial(context.Logits(inputs)).ToArray<bool>();
            for (var e = 0; e < epsilons.Count; e++)
            {
                brokenBy[e] = already.Select(a => a ? EnsembleBreakdown.AlreadyAdversarial : EnsembleBreakdown.NotBroken).ToArray();
            }
        }

        List<Tensor> best;
        using (var scope = TensorScope.Begin())
        {
            best = epsilons.Select(_ => scope.Release(inputs.Clone())).ToList();
        }

        var results = new List<EnsembleMemberResult>();
        try
        {
            for (var m = 0; m < Members.Count; m++)
            {
                var clock = Stopwatch.StartNew();
                var gradientsBefore = context.GradientEvaluations;
                var (attempted, broken) = ProposesPerEpsilon(Members[m])
                    ? RunPerEpsilon(context, m, inputs, criterion, epsilons, best, brokenBy)
                    : RunOnce(context, m, inputs, criterion, epsilons, best, brokenBy);
                var robust = brokenBy.Select(row => row.Count(b => b == EnsembleBreakdown.NotBroken) / (double)n).ToArray();
                results.Add(new EnsembleMemberResult(Members[m].Name, attempted, broken, robust,
                    context.GradientEvaluations - gradientsBefore, clock.Elapsed));
            }
        }
        catch
        {
            best.ForEach(t => t.Dispose());
            throw;
        }

        context.Breakdown = new EnsembleBreakdown(epsilons.ToArray(), brokenBy, results);
        return (best, null);
    }

    /// <summary>A fixed-ε member: per ε, on the inputs still robust at that ε.</summary>
    private (int[] Attempted, int[] Broken) RunPerEpsilon(AttackContext context, int member, Tensor inputs, Criterion criterion,
        IReadOnlyList<double> epsilons, List<Tensor> best, int[][] brokenBy) =>
        AttackStillRobust(context, member, inputs, criterion, epsilons, best, brokenBy, (e, x, selected, _) =>
        {
            var (raw, _) = Members[member].ProposeFor(context, x, selected, [epsilons[e]]);
            return raw[0];
        });

    /// <summary>A minimum-norm member: once, on the inputs still robust at some ε; its proposal clipped to each ε.</summary>
    private (int[] Attempted, int[] Broken) RunOnce(AttackContext context, int member, Tensor inputs, Criterion criterion,
        IReadOnlyList<double> epsilons, List<Tensor> best, int[][] brokenBy)
    {
        var n = inputs.Size(0);
        var pending = Enumerable.Range(0, (int)n).Where(i => brokenBy.Any(row => row[i] == EnsembleBreakdown.NotBroken)).Select(i => (long)i).ToArray();
        if (pending.Length == 0)
        {
            return (new int[epsilons.Count], new int[epsilons.Count]);
        }

        using var outer = TensorScope.Begin();
        var pendingIndex = Torch.Torch.FromArray(pending, pending.Length);
        var (raw, _) = Members[member].ProposeFor(context, inputs.IndexSelect(0, pendingIndex), criterion.Select(pendingIndex), []);
        Tensor full;
        try
        {
            // the proposal, scattered back to full size (inputs elsewhere), so that each ε can pick its own rows
            full = inputs.IndexCopy(0, pendingIndex, raw[0]);
        }
        finally
        {
            DisposeAll(raw);
        }

        return AttackStillRobust(context, member, inputs, criterion, epsilons, best, brokenBy, (_, _, _, index) => full.IndexSelect(0, index));
    }

    /// <summary>
    /// For each ε in increasing order, the inputs still robust there: <paramref name="propose"/> (ε's index, those inputs,
    /// their criterion, their indices) gives a candidate for them, which is clipped to the ε-ball and kept where it is
    /// adversarial. Returns, per ε, the inputs attempted and those broken.
    /// </summary>
    private (int[] Attempted, int[] Broken) AttackStillRobust(AttackContext context, int member, Tensor inputs, Criterion criterion,
        IReadOnlyList<double> epsilons, List<Tensor> best, int[][] brokenBy, Func<int, Tensor, Criterion, Tensor, Tensor> propose)
    {
        var attempted = new int[epsilons.Count];
        var broken = new int[epsilons.Count];
        foreach (var e in Ascending(epsilons))
        {
            var remaining = Remaining(brokenBy[e]);
            attempted[e] = remaining.Length;
            if (remaining.Length == 0)
            {
                continue;
            }

            using var scope = TensorScope.Begin();
            var index = Torch.Torch.FromArray(remaining, remaining.Length);
            var x = inputs.IndexSelect(0, index);
            var selected = criterion.Select(index);
            Tensor clipped;
            using (var proposal = propose(e, x, selected, index))
            {
                clipped = ClipToBall(context, x, proposal, epsilons[e]);
            }

            Accept(context, member, x, selected, clipped, remaining, index, e, epsilons, best, brokenBy, broken);
        }

        return (attempted, broken);
    }

    /// <summary>
    /// Re-predicts the clipped candidates and keeps the adversarial ones at ε index <paramref name="e"/> and, since the
    /// balls are nested, at every larger ε where the input is still robust; counts them in <paramref name="broken"/>.
    /// </summary>
    private static void Accept(AttackContext context, int member, Tensor x, Criterion criterion, Tensor clipped, long[] remaining,
        Tensor index, int e, IReadOnlyList<double> epsilons, List<Tensor> best, int[][] brokenBy, int[] broken)
    {
        using var scope = TensorScope.Begin();
        var hits = criterion.IsAdversarial(context.Logits(clipped)).ToArray<bool>();
        if (!hits.Any(h => h))
        {
            return;
        }

        for (var j = 0; j < epsilons.Count; j++)
        {
            if (j != e && !(epsilons[j] > epsilons[e]))
            {
                continue;
            }

            // the rows hit here that are still robust at ε_j; at ε_e itself every hit row is
            var rows = Enumerable.Range(0, hits.Length).Where(i => hits[i] && brokenBy[j][remaining[i]] == EnsembleBreakdown.NotBroken).ToArray();
            if (rows.Length == 0)
            {
                continue;
            }

            var rowIndex = Torch.Torch.FromArray(rows.Select(i => (long)i).ToArray(), rows.Length);
            var updated = best[j].IndexCopy(0, index.IndexSelect(0, rowIndex), clipped.IndexSelect(0, rowIndex));
            best[j].Dispose();
            best[j] = scope.Release(updated);
            foreach (var i in rows)
            {
                brokenBy[j][remaining[i]] = member;
            }

            broken[j] += rows.Length;
        }
    }

    /// <summary>The ε indices in increasing order of ε.</summary>
    private static IEnumerable<int> Ascending(IReadOnlyList<double> epsilons) =>
        Enumerable.Range(0, epsilons.Count).OrderBy(i => epsilons[i]);

    private Tensor ClipToBall(AttackContext context, Tensor x, Tensor proposal, double epsilon)
    {
        using var scope = TensorScope.Begin();
        var bounds = context.Model.Bounds;
        var delta = Norm.Project(proposal.Clamp(bounds.Low, bounds.High).Sub(x), epsilon);
        return scope.Keep(x.Add(delta).Clamp(bounds.Low, bounds.High));
    }

    private static void DisposeAll(IReadOnlyList<Tensor> tensors)
    {
        foreach (var tensor in tensors)
        {
            tensor.Dispose();
        }
    }

    private static long[] Remaining(int[] brokenBy) =>
        Enumerable.Range(0, brokenBy.Length).Where(i => brokenBy[i] == EnsembleBreakdown.NotBroken).Select(i => (long)i).ToArray();

    /// <summary>Whether a member answers per ε (fixed-ε attacks and what wraps them) or once (minimum-norm attacks).</summary>
    private static bool ProposesPerEpsilon(Attack attack) => attack switch
    {
        FixedEpsilonAttack or AttackEnsemble => true,
        MinimumNormAttack => false,
        RepeatedAttack repeated => ProposesPerEpsilon(repeated.Inner),
        _ => throw new ArgumentException($"{attack.Name}: an ensemble takes fixed-epsilon and minimum-norm attacks, not {attack.GetType().Name}"),
    };
}
