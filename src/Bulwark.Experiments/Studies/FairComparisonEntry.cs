using System.Text.Json.Serialization;

namespace Bulwark.Experiments;

/// <summary>One method's line of a <see cref="FairComparison"/>.</summary>
/// <param name="Method">The method.</param>
/// <param name="Best">Its most robust run among those kept, or null when none kept the accuracy.</param>
/// <param name="Kept">Its runs whose accuracy cleared the bar.</param>
/// <param name="Runs">All its runs.</param>
public sealed record FairComparisonEntry(
    [property: JsonPropertyName("method")] StudyMethod Method,
    [property: JsonPropertyName("best")] StudyRunResult? Best,
    [property: JsonPropertyName("kept")] int Kept,
    [property: JsonPropertyName("runs")] int Runs);
