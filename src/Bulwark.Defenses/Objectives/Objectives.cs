namespace Bulwark.Defenses.Objectives;

/// <summary>Objectives by their command-line name.</summary>
public static class Objectives
{
    public static IReadOnlyList<string> Names { get; } = ["ce", "input-gradient", "gaussian", "augment"];

    /// <summary>
    /// The objective called <paramref name="name"/>. <paramref name="lambda"/> is the regularizer's weight (λ, or α for
    /// <c>gaussian</c>; null = its default), <paramref name="sigma"/> the noise level of <c>gaussian</c> and <c>augment</c>
    /// (default 0.25) and <paramref name="folds"/> the noisy copies per batch of <c>augment</c> (default 1).
    /// </summary>
    public static ITrainingObjective Create(string name, double? lambda = null, double? sigma = null, int? folds = null) => name switch
    {
        "ce" => new CrossEntropyObjective(),
        "input-gradient" => new InputGradientPenalty(lambda ?? 0.01),
        "gaussian" => new GaussianMomentRegularizer(sigma ?? 0.25, lambda ?? 1),
        "augment" => new NoiseAugmentationObjective(folds ?? 1, sigma ?? 0.25),
        _ => throw new ArgumentException($"unknown objective '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
