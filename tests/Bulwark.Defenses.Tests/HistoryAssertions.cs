using Bulwark.Defenses.Training;

namespace Bulwark.Defenses.Tests;

internal static class HistoryAssertions
{
    /// <summary>The premise of the contradicting-validation runs: each epoch's validation loss is strictly above the one before.</summary>
    public static void ShouldOnlyWorsen(IReadOnlyList<EpochMetrics> history)
    {
        var losses = history.Select(m => m.ValidationLoss!.Value).ToList();
        for (var epoch = 1; epoch < losses.Count; epoch++)
        {
            losses[epoch].ShouldBeGreaterThan(losses[epoch - 1], $"validation losses {string.Join(", ", losses)}");
        }
    }

    /// <summary>Every metric except the wall-clock ones, which no two runs share.</summary>
    public static List<EpochMetrics> WithoutTiming(IEnumerable<EpochMetrics> history) =>
        [.. history.Select(m => m with { Seconds = 0, SamplesPerSecond = 0 })];
}
