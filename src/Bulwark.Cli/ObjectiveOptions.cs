using System.CommandLine;
using System.Globalization;
using Bulwark.Defenses.Objectives;

namespace Bulwark.Cli;

/// <summary>
/// The options that choose and tune a training objective, shared by <c>train</c> and <c>bench train-step</c>, bound once
/// into an <see cref="ObjectiveSettings"/>. Unset options leave each method its literature default.
/// </summary>
internal sealed class ObjectiveOptions
{
    public Option<string> Objective { get; } = new("--objective")
    {
        Description = $"Training objective: {string.Join(", ", Objectives.Names)}; join with + to combine (e.g. jacobian+fgsm-at)",
        DefaultValueFactory = _ => "ce",
    };

    public Option<double?> Lambda { get; } = new("--lambda", "--alpha", "--beta")
    {
        Description = "Regularizer weight: λ (jacobian, input-gradient), C (margin), α (gaussian, vat), β (trades)",
    };

    public Option<double?> Sigma { get; } = new("--sigma") { Description = "Noise σ of the gaussian and augment objectives (default 0.25)" };

    public Option<int?> Projections { get; } = new("--projections") { Description = "Random projections of jacobian-projection (default 1)" };

    public Option<double?> Epsilon { get; } = new("--epsilon") { Description = "ε of adversarial training (ℓ∞), VAT (ℓ2) and TRADES (ℓ∞), in the model's input space" };

    public Option<int?> AttackSteps { get; } = new("--attack-steps") { Description = "Inner steps: PGD-AT and TRADES iterations, VAT power iterations" };

    public Option<double?> AttackStepSize { get; } = new("--attack-step-size") { Description = "Step size of the PGD-AT and TRADES inner maximisation" };

    public Option<double?> Xi { get; } = new("--xi") { Description = "ξ of VAT's power iteration (default 1e-6)" };

    public Option<double?> PerturbedFraction { get; } = new("--perturbed-fraction") { Description = "Fraction of each batch replaced by adversarial examples (default 1)" };

    public Option<double?> CleanWeight { get; } = new("--clean-weight") { Description = "Weight α of the clean loss in adversarial training (fgsm-at 0.5, pgd-at 0)" };

    public Option<string?> JacobianLayer { get; } = new("--jacobian-layer") { Description = "Where the Jacobian regularizer differentiates: logits (default) or penultimate" };

    public Option<bool> ReferenceCompatible { get; } = new("--reference-compat")
    {
        Description = "The reference code's convention: input-gradient's ½‖∇ of the batch-mean loss‖², jacobian's first-sample-only batch",
    };

    public Option<string?> Box { get; } = new("--box") { Description = "The input box LOW,HIGH adversarial inputs stay in (default 0,1)" };

    public IEnumerable<Option> All =>
    [
        Objective, Lambda, Sigma, Projections, Epsilon, AttackSteps, AttackStepSize, Xi, PerturbedFraction, CleanWeight,
        JacobianLayer, ReferenceCompatible, Box,
    ];

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The settings these options give, with <paramref name="folds"/> and <paramref name="seed"/> from the command's own options.</summary>
    public ObjectiveSettings Bind(ParseResult parse, int? folds = null, ulong seed = 0) => new()
    {
        Lambda = parse.GetValue(Lambda),
        Sigma = parse.GetValue(Sigma),
        Folds = folds,
        Projections = parse.GetValue(Projections),
        Epsilon = parse.GetValue(Epsilon),
        Steps = parse.GetValue(AttackSteps),
        StepSize = parse.GetValue(AttackStepSize),
        Xi = parse.GetValue(Xi),
        PerturbedFraction = parse.GetValue(PerturbedFraction),
        CleanWeight = parse.GetValue(CleanWeight),
        Layer = parse.GetValue(JacobianLayer),
        ReferenceCompatible = parse.GetValue(ReferenceCompatible),
        Box = parse.GetValue(Box) is { } box ? ParseBox(box) : null,
        Seed = seed,
    };

    /// <summary>The objective these options describe.</summary>
    public ITrainingObjective Create(ParseResult parse, int? folds = null, ulong seed = 0) =>
        Objectives.Create(parse.GetValue(Objective)!, Bind(parse, folds, seed));

    private static (double Low, double High) ParseBox(string value)
    {
        var parts = value.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var low)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var high)
            && low < high)
        {
            return (low, high);
        }

        throw new ArgumentException($"--box takes LOW,HIGH with LOW < HIGH; got '{value}'");
    }
}
