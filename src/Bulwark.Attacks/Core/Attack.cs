using System.Diagnostics;
using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// The attack contract. A public, non-virtual <c>Run</c> does the bookkeeping once — argument checks, evaluation
/// mode, a copy of the inputs, clipping to each ε and to the box, re-predicting success — and each attack only
/// proposes candidates in a protected <c>RunCore</c>, so that no attack can overstate itself. Two kinds, as
/// Foolbox draws the line: <see cref="FixedEpsilonAttack"/> and <see cref="MinimumNormAttack"/>.
/// </summary>
public abstract class Attack
{
    /// <summary>The norm this attack measures perturbations in.</summary>
    public abstract Norm Norm { get; }

    /// <summary>Short name, as on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>Whether the attack can pursue a <see cref="TargetedMisclassification"/>.</summary>
    public virtual bool SupportsTargeted => true;

    /// <summary>
    /// Attacks <paramref name="inputs"/> [N, ...] (inside the model's box) under <paramref name="criterion"/> and reports,
    /// for each ε of <paramref name="epsilons"/>, adversarial inputs within the ε-ball and whether they succeed.
    /// The caller's tensors are never modified. Deterministic for a given <paramref name="seed"/>.
    /// </summary>
    public AttackResult Run(AttackModel model, Tensor inputs, Criterion criterion, IReadOnlyList<double> epsilons, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(criterion);
        ArgumentNullException.ThrowIfNull(epsilons);
        ValidateArguments(inputs, criterion, epsilons);
        ValidateInputs(model, inputs);
        var clock = Stopwatch.StartNew();
        using var mode = model.EvaluationMode();
        using var context = new AttackContext(model, seed);
        using var detached = inputs.Detach();
        using var x = detached.Clone();
        var (raw, norms) = Propose(context, x, criterion, epsilons);
        return Finish(context, x, criterion, epsilons, raw, norms, clock.Elapsed);
    }

    /// <summary>The proposals of one run, for combinators such as <see cref="RepeatedAttack"/>.</summary>
    internal (IReadOnlyList<Tensor> Raw, Tensor? Norms) ProposeFor(AttackContext context, Tensor inputs, Criterion criterion,
        IReadOnlyList<double> epsilons) => Propose(context, inputs, criterion, epsilons);

    /// <summary>Runs the attack and returns the proposals; the base class clips and re-checks them.</summary>
    private protected abstract (IReadOnlyList<Tensor> Raw, Tensor? Norms) Propose(AttackContext context, Tensor inputs,
        Criterion criterion, IReadOnlyList<double> epsilons);

    /// <summary>The checks that need no pass over the data: shapes, dtype, labels, the criterion and the ε list.</summary>
    private protected void ValidateArguments(Tensor inputs, Criterion criterion, IReadOnlyList<double> epsilons)
    {
        if (inputs.Dim < 2)
        {
            throw new ArgumentException($"inputs must be a batch [N, ...], got shape [{string.Join(", ", inputs.Shape)}]", nameof(inputs));
        }

        if (!inputs.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"inputs must be floating point, got {inputs.DType.ToTorchName()}", nameof(inputs));
        }

        if (criterion.Labels.Size(0) != inputs.Size(0))
        {
            throw new ArgumentException($"{criterion.Labels.Size(0)} labels for {inputs.Size(0)} inputs", nameof(criterion));
        }

        if (criterion.IsTargeted && !SupportsTargeted)
        {
            throw new ArgumentException($"{Name} is untargeted only", nameof(criterion));
        }

        if (epsilons.Count == 0 && this is FixedEpsilonAttack)
        {
            // a fixed-ε attack answers one question per ε: with none there is nothing to run and no success matrix to build
            throw new ArgumentException($"{Name} is a fixed-epsilon attack: give it at least one epsilon", nameof(epsilons));
        }

        if (epsilons.Any(e => !(e >= 0)))
        {
            throw new ArgumentException($"epsilons must be non-negative numbers, got [{string.Join(", ", epsilons)}]", nameof(epsilons));
        }
    }

    /// <summary>The checks that scan the inputs: no NaN, everything inside the model's box.</summary>
    private static void ValidateInputs(AttackModel model, Tensor inputs)
    {
        using var scope = TensorScope.Begin();
        if (inputs.IsNaN().Any().ToBoolean())
        {
            throw new ArgumentException("inputs contain NaN", nameof(inputs));
        }

        var low = inputs.Min().ToDouble();
        var high = inputs.Max().ToDouble();
        if (low < model.Bounds.Low - 1e-6 || high > model.Bounds.High + 1e-6)
        {
            throw new ArgumentException($"inputs span [{low}, {high}], outside the model's box {model.Bounds}", nameof(inputs));
        }
    }

    private AttackResult Finish(AttackContext context, Tensor x, Criterion criterion, IReadOnlyList<double> epsilons,
        IReadOnlyList<Tensor> raw, Tensor? proposedNorms, TimeSpan elapsed)
    {
        using var scope = TensorScope.Begin();
        var bounds = context.Model.Bounds;
        var clipped = new List<Tensor>();
        var successes = new List<Tensor>();
        var n = x.Size(0);
        var rawBoxed = raw.Select(r => scope.Release(r.Clamp(bounds.Low, bounds.High))).ToList();
        for (var i = 0; i < epsilons.Count; i++)
        {
            var inBall = scope.Release(IntoBall(x, rawBoxed[raw.Count == 1 ? 0 : i], epsilons[i], bounds));
            clipped.Add(inBall);
            successes.Add(IsAdversarial(context, inBall, criterion));
        }

        var success = epsilons.Count == 0 ? Torch.Torch.Zeros([0, n], DType.Bool) : Torch.Torch.Stack(successes);
        // a fixed-ε proposal that already lies in its ball is its own clipped input: reuse that verdict (one forward less)
        var rawSuccesses = rawBoxed.Select((r, i) =>
            raw.Count == epsilons.Count && r.Equal(clipped[i]) ? successes[i] : IsAdversarial(context, r, criterion)).ToList();
        var anyRaw = rawSuccesses.Count == 1 ? rawSuccesses[0] : Torch.Torch.Stack(rawSuccesses).Any(0);
        Tensor norms;
        var infinity = Torch.Torch.Full([n], double.PositiveInfinity, x.DType);
        if (raw.Count == 1)
        {
            norms = Torch.Torch.Where(anyRaw, Norm.Measure(rawBoxed[0].Sub(x)), infinity);
        }
        else
        {
            // smallest successful ε: measured on the clipped input at that ε
            norms = infinity;
            for (var i = epsilons.Count - 1; i >= 0; i--)
            {
                norms = Torch.Torch.Where(successes[i], Norm.Measure(clipped[i].Sub(x)), norms);
            }
        }

        // the proposals themselves: the result holds their clamped copies
        foreach (var proposal in raw)
        {
            proposal.Dispose();
        }

        proposedNorms?.Dispose();
        return new AttackResult(rawBoxed, epsilons.ToArray(), clipped, scope.Release(success), scope.Release(norms),
            scope.Release(anyRaw), context.GradientEvaluations, elapsed, context.Breakdown);
    }

    /// <summary>
    /// A candidate already inside the box, projected to the ε-ball around <paramref name="x"/> and clamped to the box again:
    /// what <see cref="Run"/> reports as clipped and <see cref="FixedEpsilonAttack.Perturb"/> returns.
    /// </summary>
    private protected Tensor IntoBall(Tensor x, Tensor boxedCandidate, double epsilon, Bounds bounds)
    {
        using var scope = TensorScope.Begin();
        var delta = Norm.Project(boxedCandidate.Sub(x), epsilon);
        return scope.Keep(x.Add(delta).Clamp(bounds.Low, bounds.High));
    }

    private static Tensor IsAdversarial(AttackContext context, Tensor candidate, Criterion criterion)
    {
        using var noGrad = Autograd.NoGrad();
        using var logits = context.Model.Logits(candidate);
        return criterion.IsAdversarial(logits);
    }

    public override string ToString() => $"{Name} ({Norm})";
}

/// <summary>
/// An attack that answers "is there an adversarial input within distance ε?" for each ε of a list (FGSM, PGD, …).
/// Attacks implement <see cref="RunCore"/>, proposing one candidate per ε; ε = 0 returns the inputs themselves.
/// </summary>
public abstract class FixedEpsilonAttack : Attack
{
    /// <summary>Proposes adversarial inputs for one ε (the base class clips them to the ε-ball and the box).</summary>
    protected abstract Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion, double epsilon);

    /// <summary>
    /// Adversarial inputs for one <paramref name="epsilon"/>, for adversarial training: the attack's proposal clipped to
    /// the ε-ball and the box exactly as <see cref="Attack.Run"/> clips it (equal to <c>Run(…, [ε], seed).Clipped[0]</c>),
    /// but without the success verdicts and their extra forward passes. The network runs in evaluation mode with its
    /// parameters frozen, and both are restored afterwards; the result does not require gradients and the caller's tensors
    /// are never modified. Only the checks that need no pass over the data are made: the inputs are trusted to lie in the
    /// model's box (as a training batch does).
    /// </summary>
    /// <returns>A new tensor [N, ...] the caller owns.</returns>
    public Tensor Perturb(AttackModel model, Tensor inputs, Criterion criterion, double epsilon, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(criterion);
        double[] epsilons = [epsilon];
        ValidateArguments(inputs, criterion, epsilons);
        using var mode = model.EvaluationMode();
        using var context = new AttackContext(model, seed);
        using var scope = TensorScope.Begin();
        var x = inputs.Detach().Clone();
        var (raw, norms) = Propose(context, x, criterion, epsilons);
        norms?.Dispose();
        using var proposal = raw[0];
        var bounds = model.Bounds;
        return scope.Keep(IntoBall(x, proposal.Clamp(bounds.Low, bounds.High), epsilon, bounds));
    }

    private protected sealed override (IReadOnlyList<Tensor> Raw, Tensor? Norms) Propose(AttackContext context, Tensor inputs,
        Criterion criterion, IReadOnlyList<double> epsilons)
    {
        var raw = new List<Tensor>();
        foreach (var epsilon in epsilons)
        {
            using var scope = TensorScope.Begin();
            raw.Add(scope.Release(epsilon == 0 ? inputs.Clone() : RunCore(context, inputs, criterion, epsilon)));
        }

        return (raw, null);
    }
}

/// <summary>
/// An attack that looks for the smallest adversarial perturbation of each input (DeepFool, C&amp;W, DDN, …). It runs
/// once; robust accuracy at any ε follows by clipping. Inputs already adversarial are returned as they are.
/// </summary>
public abstract class MinimumNormAttack : Attack
{
    /// <summary>Proposes, per input, the least-norm adversarial input found (or the input where none was found).</summary>
    protected abstract Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion);

    private protected sealed override (IReadOnlyList<Tensor> Raw, Tensor? Norms) Propose(AttackContext context, Tensor inputs,
        Criterion criterion, IReadOnlyList<double> epsilons)
    {
        using var scope = TensorScope.Begin();
        return ([scope.Release(RunCore(context, inputs, criterion))], null);
    }

    /// <summary>
    /// Runs <paramref name="attack"/> on the inputs that do not meet the criterion yet (given those inputs and the
    /// criterion restricted to them) and puts its proposals back in place; inputs already adversarial are returned as
    /// they are, at no cost.
    /// </summary>
    private protected static Tensor OnRemainingInputs(AttackContext context, Tensor inputs, Criterion criterion,
        Func<Tensor, Criterion, Tensor> attack)
    {
        using var scope = TensorScope.Begin();
        var pending = context.NotYetAdversarial(inputs, criterion);
        if (pending.Size(0) == 0)
        {
            return scope.Keep(inputs.Clone());
        }

        var proposals = attack(inputs.IndexSelect(0, pending), criterion.Select(pending));
        return scope.Keep(inputs.IndexCopy(0, pending, proposals));
    }

    /// <summary>Runs the attack without an ε list (only norms and raw success matter).</summary>
    public AttackResult Run(AttackModel model, Tensor inputs, Criterion criterion, ulong seed = 0) =>
        Run(model, inputs, criterion, [], seed);
}
