namespace Bulwark.Defenses.Objectives;

/// <summary>Objectives by their command-line name.</summary>
public static class Objectives
{
    public static IReadOnlyList<string> Names { get; } = ["ce", "input-gradient"];

    public static ITrainingObjective Create(string name, double? lambda = null) => name switch
    {
        "ce" => new CrossEntropyObjective(),
        "input-gradient" => new InputGradientPenalty(lambda ?? 0.01),
        _ => throw new ArgumentException($"unknown objective '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
