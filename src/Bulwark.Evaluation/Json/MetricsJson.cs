using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Bulwark.Evaluation;

/// <summary>
/// JSON for the metric records. Every record names its properties in snake_case itself (so any serializer writes
/// <c>clean_accuracy</c>, not <c>CleanAccuracy</c>); these options add indentation, the same naming policy for
/// anything a report puts beside them, enums as snake_case strings, and ∞/NaN written as the strings
/// <c>"Infinity"</c>/<c>"NaN"</c> rather than an exception.
/// <code>File.WriteAllText("gnr.json", MetricsJson.Serialize(gnr));</code>
/// </summary>
public static class MetricsJson
{
    /// <summary>The options <see cref="Serialize{T}"/> and <see cref="Deserialize{T}"/> use (read-only).</summary>
    public static JsonSerializerOptions Options { get; } = MakeOptions();

    /// <summary>The JSON text of <paramref name="value"/> with <see cref="Options"/>.</summary>
    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Reads a record back (the round trip of <see cref="Serialize{T}"/>).</summary>
    /// <exception cref="JsonException">The text is not JSON of a <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException($"the JSON text holds no {typeof(T).Name}");

    private static JsonSerializerOptions MakeOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.MakeReadOnly();
        return options;
    }
}
