namespace Bulwark.Defenses.Objectives;

/// <summary>
/// The knobs of the objectives <see cref="Objectives.Create(string, ObjectiveSettings?)"/> builds by name; null means the
/// method's own default (each objective documents it). One record for all of them, so that the command line and the
/// benchmarks bind options once.
/// </summary>
public sealed record ObjectiveSettings
{
    /// <summary>The regularizer's weight: λ (Jacobian, input gradient), C (margin), α (gaussian, VAT), β (TRADES).</summary>
    public double? Lambda { get; init; }

    /// <summary>Noise σ of <c>gaussian</c> and <c>augment</c>, in the model's input space.</summary>
    public double? Sigma { get; init; }

    /// <summary>Noisy copies per batch of <c>augment</c>.</summary>
    public int? Folds { get; init; }

    /// <summary>Random projections of <c>jacobian-projection</c> (Hoffman et al.'s n).</summary>
    public int? Projections { get; init; }

    /// <summary>Perturbation budget ε of adversarial training, VAT and TRADES, in the model's input space.</summary>
    public double? Epsilon { get; init; }

    /// <summary>Inner iterations: PGD steps of adversarial training and TRADES, power iterations of VAT.</summary>
    public int? Steps { get; init; }

    /// <summary>Step size of the inner maximisation (PGD, TRADES).</summary>
    public double? StepSize { get; init; }

    /// <summary>ξ of VAT: the finite-difference radius of its power iteration.</summary>
    public double? Xi { get; init; }

    /// <summary>Fraction of each batch replaced by adversarial examples in adversarial training (the Jacobian paper's Appendix C).</summary>
    public double? PerturbedFraction { get; init; }

    /// <summary>Weight of the clean loss in adversarial training (Goodfellow's α; 0 = adversarial loss only, as Madry).</summary>
    public double? CleanWeight { get; init; }

    /// <summary>
    /// The reference code's convention where a method has two (input gradient: the reference's ½‖∇ of the batch-mean loss‖²
    /// rather than the per-sample mean; Jacobian: only the first sample of each batch, the reference's quirk).
    /// </summary>
    public bool ReferenceCompatible { get; init; }

    /// <summary>Where the Jacobian regularizer differentiates: <c>logits</c> (default) or <c>penultimate</c> (the input of the last linear layer).</summary>
    public string? Layer { get; init; }

    /// <summary>The box inputs live in (adversarial training, VAT, TRADES keep their points inside it); [0, 1] when null.</summary>
    public (double Low, double High)? Box { get; init; }

    /// <summary>Seed of the objective's own randomness (projections, random starts, VAT's direction).</summary>
    public ulong Seed { get; init; }
}
