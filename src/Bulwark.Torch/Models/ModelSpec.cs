using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bulwark.Torch.Models;

/// <summary>
/// What a saved model is: an architecture name from the <see cref="ModelZoo"/> and its arguments. Written as
/// JSON beside the safetensors weights, so a run directory describes itself.
/// </summary>
public sealed record ModelSpec
{
    /// <summary>Zoo name, e.g. <c>lenet5</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>Input channels.</summary>
    public int Channels { get; init; } = 1;

    /// <summary>Input height and width (square images).</summary>
    public int ImageSize { get; init; } = 28;

    public int Classes { get; init; } = 10;

    /// <summary>Hidden widths for <c>mlp</c>.</summary>
    public int[]? Widths { get; init; }

    /// <summary>Dropout probability where the architecture has an optional dropout layer (0 = none).</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// Per-channel mean of an input standardisation built into the model as its first layer (<see cref="Nn.Standardize"/>);
    /// null for none. The model then takes inputs in their natural box, [0, 1] for images.
    /// </summary>
    public double[]? Mean { get; init; }

    /// <summary>Per-channel standard deviation that goes with <see cref="Mean"/>.</summary>
    public double[]? Std { get; init; }

    /// <summary>
    /// How the convolution and linear layers start: null for PyTorch's defaults; <c>tf-tutorial</c> (TensorFlow's MNIST
    /// tutorial, the Jacobian paper's reference): weights from a normal of std 0.1 truncated at ±2 std, biases 0.1; or
    /// <c>glorot-uniform</c> (TF-slim's and Lasagne's default): Glorot-uniform weights, zero biases. All draw from the
    /// default generator, which the trainer seeds.
    /// </summary>
    public string? Initialization { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ModelSpec FromJson(string json, string source = "model spec")
    {
        try
        {
            return JsonSerializer.Deserialize<ModelSpec>(json, Json)
                ?? throw new InvalidDataException($"{source}: empty model spec");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a valid model spec ({e.Message})", e);
        }
    }

    public override string ToString() =>
        $"{Architecture}({Channels}×{ImageSize}×{ImageSize} → {Classes}" +
        (Widths is null ? "" : $", widths {string.Join("-", Widths)}") + (Dropout > 0 ? $", dropout {Dropout}" : "") +
        (Mean is null ? ")" : $", standardised by mean [{string.Join(", ", Mean)}] std [{string.Join(", ", Std ?? [])}])");
}
