namespace Bulwark.Attacks;

/// <summary>
/// What each member of an <see cref="AttackEnsemble"/> did in one run: which member broke which input at each ε, and
/// per member the inputs it was given, the inputs it broke and the robust accuracy left after it (cumulative, as
/// AutoAttack prints after each of its attacks). Read it from <see cref="AttackResult.Breakdown"/>.
/// </summary>
public sealed class EnsembleBreakdown
{
    /// <summary>In <see cref="BrokenBy"/>: no member broke the input at that ε.</summary>
    public const int NotBroken = -1;

    /// <summary>In <see cref="BrokenBy"/>: the input met the criterion before any member ran (e.g. misclassified).</summary>
    public const int AlreadyAdversarial = -2;

    internal EnsembleBreakdown(IReadOnlyList<double> epsilons, int[][] brokenBy, IReadOnlyList<EnsembleMemberResult> members)
    {
        Epsilons = epsilons;
        BrokenBy = brokenBy;
        Members = members;
    }

    /// <summary>The ε list of the run.</summary>
    public IReadOnlyList<double> Epsilons { get; }

    /// <summary>
    /// [ε][N]: the index of the member whose proposal broke input n at that ε (the first to do so: later members never
    /// see it), <see cref="NotBroken"/> or <see cref="AlreadyAdversarial"/>.
    /// </summary>
    public IReadOnlyList<int[]> BrokenBy { get; }

    /// <summary>One entry per member, in the order they ran.</summary>
    public IReadOnlyList<EnsembleMemberResult> Members { get; }
}

/// <summary>One member's share of an ensemble run.</summary>
/// <param name="Name">The member's <see cref="Attack.Name"/>.</param>
/// <param name="Attempted">Per ε: the inputs the member was run on (those still robust when its turn came).</param>
/// <param name="Broken">Per ε: the inputs the member broke (among <paramref name="Attempted"/>).</param>
/// <param name="RobustAccuracy">
/// Per ε: the fraction of all inputs still not meeting the criterion after this member and the ones before it.
/// </param>
/// <param name="GradientEvaluations">Per-sample gradient evaluations the member spent.</param>
/// <param name="Elapsed">Wall time the member took.</param>
public sealed record EnsembleMemberResult(
    string Name,
    IReadOnlyList<int> Attempted,
    IReadOnlyList<int> Broken,
    IReadOnlyList<double> RobustAccuracy,
    long GradientEvaluations,
    TimeSpan Elapsed);
