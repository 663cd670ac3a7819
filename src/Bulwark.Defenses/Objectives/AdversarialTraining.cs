using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// Adversarial training around any objective: each batch's adversarial examples are made by a fixed-ε attack on the
/// current model, and the loss is
/// <code>loss = α·inner(x, y) + (1 − α)·inner(x̃, y)</code>
/// where x̃ is the batch with a fraction f of its inputs replaced by their adversarial examples (labels stay the true
/// labels). α = 0.5, f = 1 with FGSM is Goodfellow et al.'s mixture; α = 0, f = 1 with PGD is Madry et al.'s robust
/// optimisation; α = 0 with f &lt; 1 is the Jacobian paper's Appendix C (a fraction of each mini-batch perturbed). Any
/// objective can be inside: <c>new AdversarialTraining(attack, ε, inner: jacobian)</c> is "Jacobian + AT".
/// <para>
/// The attack runs through <see cref="FixedEpsilonAttack.Perturb"/>: the network in evaluation mode with frozen
/// parameters, then its mode restored, so the inner objective trains in the mode the trainer set. The perturbed rows
/// are <c>round(f·B)</c> of the B inputs (half away from zero, at least one when f &gt; 0), drawn without replacement. The
/// randomness of a batch (which rows, the attack's random start) comes from a seed mixed from <see cref="Seed"/> and one
/// draw of libtorch's default generator — which the trainer seeds and checkpoints — so runs repeat and resume exactly.
/// The reported logits are those of the clean batch when α &gt; 0, else those of the trained (perturbed) batch.
/// </para>
/// </summary>
public sealed class AdversarialTraining : ITrainingObjective
{
    /// <param name="attack">The attack that makes the adversarial examples (untargeted, against the true labels).</param>
    /// <param name="epsilon">ε of the attack, in the model's input space.</param>
    /// <param name="inner">The objective trained on the clean and perturbed batches; cross-entropy when null.</param>
    /// <param name="cleanWeight">α, the weight of the clean loss, in [0, 1].</param>
    /// <param name="perturbedFraction">f, the fraction of each batch replaced by adversarial examples, in [0, 1].</param>
    /// <param name="bounds">The box inputs live in; [0, 1] when null.</param>
    /// <param name="seed">Seed of the objective's own randomness.</param>
    public AdversarialTraining(FixedEpsilonAttack attack, double epsilon, ITrainingObjective? inner = null, double cleanWeight = 0.5,
        double perturbedFraction = 1, Bounds? bounds = null, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(attack);
        if (!(epsilon >= 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be finite and non-negative");
        }

        if (!(cleanWeight >= 0 && cleanWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(cleanWeight), cleanWeight, "the clean weight α must lie in [0, 1]");
        }

        if (!(perturbedFraction >= 0 && perturbedFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(perturbedFraction), perturbedFraction, "the perturbed fraction must lie in [0, 1]");
        }

        var box = bounds ?? Bounds.Unit;
        if (!(box.Low < box.High))
        {
            throw new ArgumentException($"the box {box} is empty", nameof(bounds));
        }

        Attack = attack;
        Epsilon = epsilon;
        Inner = inner ?? new CrossEntropyObjective();
        CleanWeight = cleanWeight;
        PerturbedFraction = perturbedFraction;
        Bounds = box;
        Seed = seed;
    }

    /// <summary>The attack that makes the adversarial examples.</summary>
    public FixedEpsilonAttack Attack { get; }

    /// <summary>ε of the attack.</summary>
    public double Epsilon { get; }

    /// <summary>The objective trained on the clean and perturbed batches.</summary>
    public ITrainingObjective Inner { get; }

    /// <summary>α, the weight of the clean loss (1 − α weighs the perturbed batch).</summary>
    public double CleanWeight { get; }

    /// <summary>f, the fraction of each batch replaced by adversarial examples.</summary>
    public double PerturbedFraction { get; }

    /// <summary>The box the adversarial examples stay in.</summary>
    public Bounds Bounds { get; }

    /// <summary>Seed of the objective's own randomness.</summary>
    public ulong Seed { get; }

    /// <summary><c>fgsm-at</c>, <c>pgd-at</c>; prefixed by the inner objective's name when that is not plain cross-entropy.</summary>
    public string Name => Inner is CrossEntropyObjective ? $"{Attack.Name}-at" : $"{Inner.Name}+{Attack.Name}-at";

    /// <summary>How many of <paramref name="batchSize"/> inputs are replaced: round(f·B), half away from zero, at least one when f &gt; 0.</summary>
    public int PerturbedCount(long batchSize)
    {
        if (PerturbedFraction == 0 || batchSize == 0)
        {
            return 0;
        }

        var count = (long)Math.Round(PerturbedFraction * batchSize, MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(count, 1, batchSize);
    }

    /// <summary><c>α·inner(x, y) + (1 − α)·inner(x̃, y)</c>; the terms of weight 0 are not computed.</summary>
    public ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = TensorScope.Begin();
        ObjectiveResult? clean = CleanWeight > 0 ? Inner.Compute(model, inputs, labels) : null;
        if (CleanWeight == 1)
        {
            return new ObjectiveResult(scope.Keep(clean!.Loss), scope.Keep(clean.Logits));
        }

        var perturbed = Perturbed(model, inputs, labels);
        var adversarial = Inner.Compute(model, perturbed, labels);
        if (clean is null)
        {
            return new ObjectiveResult(scope.Keep(adversarial.Loss), scope.Keep(adversarial.Logits));
        }

        var loss = clean.Loss.Mul(CleanWeight).Add(adversarial.Loss, 1 - CleanWeight);
        return new ObjectiveResult(scope.Keep(loss), scope.Keep(clean.Logits));
    }

    /// <summary>
    /// The batch x̃ the perturbed term trains on: the rows chosen for this batch replaced by their adversarial examples
    /// (detached, inside the ε-ball and the box), the other rows as given.
    /// </summary>
    public Tensor Perturbed(Module model, Tensor inputs, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = TensorScope.Begin();
        var batchSeed = BatchSeed();
        var attackModel = new AttackModel(model, Bounds);
        var x = inputs.Detach();
        var count = PerturbedCount(x.Size(0));
        if (count == x.Size(0))
        {
            return scope.Keep(Attack.Perturb(attackModel, x, new Misclassification(labels), Epsilon, batchSeed));
        }

        if (count == 0)
        {
            return scope.Keep(x.Clone());
        }

        using var generator = new Generator(batchSeed);
        // drawn on the CPU (the generator's device) whatever the batch's device, so the rows do not depend on it
        var (sorted, _) = Torch.Torch.Randperm(x.Size(0), generator).Narrow(0, 0, count).Sort();
        var rows = sorted.To(x.Device);
        var adversarial = Attack.Perturb(attackModel, x.IndexSelect(0, rows), new Misclassification(labels.IndexSelect(0, rows)),
            Epsilon, Mix(batchSeed, 1));
        return scope.Keep(x.IndexCopy(0, rows, adversarial));
    }

    private ulong BatchSeed()
    {
        using var draw = Torch.Torch.Randint(0, long.MaxValue, [1]);
        return Mix(Seed, (ulong)draw.ToInt64());
    }

    /// <summary>SplitMix64 of the pair: well-spread seeds from nearby inputs.</summary>
    private static ulong Mix(ulong a, ulong b)
    {
        var z = a + 0x9E3779B97F4A7C15UL * (b + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public override string ToString() =>
        $"AdversarialTraining({Attack}, ε={Epsilon}, α={CleanWeight}, f={PerturbedFraction}, box={Bounds}, inner={Inner})";
}
