using System.Text.Json.Serialization;

namespace Bulwark.Evaluation;

/// <summary>The distribution of additive noise in <see cref="NoiseAccuracy"/>; both have standard deviation σ.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NoiseDistribution>))]
public enum NoiseDistribution
{
    /// <summary>N(0, σ²) per value.</summary>
    [JsonStringEnumMemberName("gaussian")]
    Gaussian,

    /// <summary>U(−√3·σ, √3·σ) per value (variance σ²).</summary>
    [JsonStringEnumMemberName("uniform")]
    Uniform,
}
