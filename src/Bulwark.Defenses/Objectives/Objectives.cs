namespace Bulwark.Defenses.Objectives;

/// <summary>Objectives by their command-line name.</summary>
public static class Objectives
{
    public static IReadOnlyList<string> Names { get; } = ["ce", "input-gradient", "jacobian", "jacobian-projection", "gaussian", "augment", "margin-l2", "margin-l1", "vat", "trades", "fgsm-at", "pgd-at"];

    /// <summary>
    /// The objective called <paramref name="name"/>. <paramref name="lambda"/> is the regularizer's weight (λ, or α for
    /// <c>gaussian</c>; null = its default), <paramref name="sigma"/> the noise level of <c>gaussian</c> and <c>augment</c>
    /// (default 0.25) and <paramref name="folds"/> the noisy copies per batch of <c>augment</c> (default 1).
    /// </summary>
    public static ITrainingObjective Create(string name, double? lambda = null, double? sigma = null, int? folds = null) =>
        Create(name, new ObjectiveSettings { Lambda = lambda, Sigma = sigma, Folds = folds });

    /// <summary>
    /// The objective called <paramref name="name"/> with <paramref name="settings"/> (null = every default). Names joined
    /// by <c>+</c> combine: regularizers add up over one forward pass (<c>jacobian+input-gradient</c>), and an
    /// adversarial-training name last wraps the rest (<c>jacobian+fgsm-at</c>: the Jacobian objective on batches with
    /// adversarial examples).
    /// </summary>
    public static ITrainingObjective Create(string name, ObjectiveSettings? settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        settings ??= new ObjectiveSettings();
        var parts = name.Split('+', StringSplitOptions.TrimEntries);
        if (parts.Length == 1)
        {
            return Single(parts[0], settings);
        }

        return Combine(name, parts, settings);
    }

    /// <summary>The names of the adversarial-training objectives: in a combination, the last part and only one.</summary>
    public static IReadOnlyList<string> AdversarialTrainingNames { get; } = ["fgsm-at", "pgd-at"];

    /// <summary>
    /// <c>a+b+…</c>: every part but an adversarial-training one must be a <see cref="Regularizer"/> (or <c>ce</c>, which adds
    /// no term); they add up into one <see cref="RegularizedObjective"/> (the first regularizer's data loss; every part reads
    /// the same settings, so one λ for all). An adversarial-training part may come last, once, and wraps the rest.
    /// </summary>
    private static ITrainingObjective Combine(string name, string[] parts, ObjectiveSettings settings)
    {
        if (parts.Any(p => p.Length == 0))
        {
            throw new ArgumentException($"objective '{name}': empty part", nameof(name));
        }

        if (parts.Distinct().Count() != parts.Length)
        {
            throw new ArgumentException($"objective '{name}': a part appears twice", nameof(name));
        }

        var adversarial = parts.Where(AdversarialTrainingNames.Contains).ToList();
        if (adversarial.Count > 1 || (adversarial.Count == 1 && parts[^1] != adversarial[0]))
        {
            throw new ArgumentException(
                $"objective '{name}': at most one adversarial-training part ({string.Join(", ", AdversarialTrainingNames)}), and it must come last",
                nameof(name));
        }

        var rest = adversarial.Count == 1 ? parts[..^1] : parts;
        var terms = new List<Regularizer>();
        foreach (var part in rest.Where(p => p != "ce"))
        {
            terms.Add(Single(part, settings) as Regularizer
                ?? throw new ArgumentException($"objective '{name}': '{part}' is not a regularization term and cannot be combined", nameof(name)));
        }

        ITrainingObjective inner = terms.Count == 0 ? new CrossEntropyObjective() : new RegularizedObjective([.. terms]);
        return adversarial.Count == 1 ? AdversarialTrainingOf(adversarial[0], settings, inner) : inner;
    }

    /// <summary>
    /// <c>fgsm-at</c>: Goodfellow et al.'s FGSM (ℓ∞) adversarial training, α = 0.5, f = 1, ε = 0.2 (the value the margin
    /// paper selected on validation for its AT baseline on MNIST; Goodfellow used 0.25). <c>pgd-at</c>: Madry et al.'s MNIST
    /// setting, α = 0, f = 1, ε = 0.3, 40 steps of 0.01 from a uniform random start, every input taking every step.
    /// </summary>
    private static AdversarialTraining AdversarialTrainingOf(string name, ObjectiveSettings s, ITrainingObjective? inner)
    {
        var box = s.Box is { } b ? new Attacks.Bounds(b.Low, b.High) : Attacks.Bounds.Unit;
        return name switch
        {
            "fgsm-at" => new AdversarialTraining(new Attacks.FastGradientMethod(Attacks.Norm.Linf), s.Epsilon ?? 0.2, inner,
                s.CleanWeight ?? 0.5, s.PerturbedFraction ?? 1, box, s.Seed),
            "pgd-at" => new AdversarialTraining(
                new Attacks.ProjectedGradientDescent(Attacks.Norm.Linf, new Attacks.PgdOptions
                {
                    Steps = s.Steps ?? 40,
                    StepSize = s.StepSize ?? 0.01,
                    RandomStart = true,
                    StopWhenAdversarial = false,
                }),
                s.Epsilon ?? 0.3, inner, s.CleanWeight ?? 0, s.PerturbedFraction ?? 1, box, s.Seed),
            _ => throw new ArgumentException($"unknown adversarial training '{name}'", nameof(name)),
        };
    }

    private static ITrainingObjective Single(string name, ObjectiveSettings s) => name switch
    {
        "ce" => new CrossEntropyObjective(),
        "input-gradient" => new InputGradientRegularizer(s.Lambda,
            s.ReferenceCompatible ? InputGradientConvention.Reference : InputGradientConvention.PerSample),
        "jacobian" => new JacobianRegularizer(s.Lambda ?? 0.1, JacobianNorm.Frobenius, s.Projections ?? JacobianRegularizer.Exact,
            JacobianLayerOf(s), firstSampleOnly: s.ReferenceCompatible, s.Seed),
        "jacobian-projection" => new JacobianRegularizer(s.Lambda ?? 0.01, JacobianNorm.HalfMeanSquared, s.Projections ?? 1,
            JacobianLayerOf(s), firstSampleOnly: false, s.Seed),
        "gaussian" => new GaussianMomentRegularizer(s.Sigma ?? 0.25, s.Lambda ?? 1),
        "augment" => new NoiseAugmentationObjective(s.Folds ?? 1, s.Sigma ?? 0.25),
        "margin-l2" => new MarginRegularizer(MarginSensitivity.SquaredL2, s.Lambda),
        "margin-l1" => new MarginRegularizer(MarginSensitivity.L1, s.Lambda),
        "vat" => new VirtualAdversarialTraining(s.Epsilon ?? 2.0, s.Xi ?? 1e-6, s.Steps ?? 1, s.Lambda ?? 1, s.Seed),
        "trades" => new Trades(s.Epsilon ?? 0.3, s.Steps ?? 40, s.StepSize ?? 0.01, s.Lambda ?? 1, s.Box, s.Seed),
        "fgsm-at" or "pgd-at" => AdversarialTrainingOf(name, s, inner: null),
        _ => throw new ArgumentException($"unknown objective '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };

    private static JacobianLayer JacobianLayerOf(ObjectiveSettings s) => s.Layer switch
    {
        null or "logits" => JacobianLayer.Logits,
        "penultimate" => JacobianLayer.Penultimate,
        _ => throw new ArgumentException($"unknown Jacobian layer '{s.Layer}'; known: logits, penultimate", nameof(s)),
    };
}
