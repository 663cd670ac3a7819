using System.Text.Json.Nodes;
using Bulwark.Evaluation;

namespace Bulwark.Experiments;

/// <summary>
/// Where two records differ, as the dotted JSON paths of the values that differ (<c>protocol.seed</c>,
/// <c>run.training.learning_rate</c>): how a study or a reproduction names the settings that keep it from reusing a run.
/// </summary>
internal static class JsonDifferences
{
    /// <summary>The paths at which <paramref name="a"/> and <paramref name="b"/> differ, written as <see cref="MetricsJson"/> writes them.</summary>
    public static List<string> Between<T>(T a, T b) => Between(JsonNode.Parse(MetricsJson.Serialize(a)), JsonNode.Parse(MetricsJson.Serialize(b)));

    /// <summary>The paths at which two JSON values differ; a key present on one side only differs.</summary>
    public static List<string> Between(JsonNode? a, JsonNode? b)
    {
        var differing = new List<string>();
        Walk(a, b, "", differing);
        return differing;
    }

    private static void Walk(JsonNode? a, JsonNode? b, string path, List<string> differing)
    {
        if (JsonNode.DeepEquals(a, b))
        {
            return;
        }

        if (a is JsonObject x && b is JsonObject y)
        {
            foreach (var key in x.Select(p => p.Key).Union(y.Select(p => p.Key)))
            {
                Walk(x[key], y[key], path.Length == 0 ? key : $"{path}.{key}", differing);
            }

            return;
        }

        differing.Add(path.Length == 0 ? "the record" : path);
    }
}
