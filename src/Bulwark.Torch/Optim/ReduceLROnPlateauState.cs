using System.Text.Json.Serialization;

namespace Bulwark.Torch.Optim;

/// <summary>
/// What <see cref="ReduceLROnPlateau"/> needs to resume: its epoch count, the best value so far (±∞ before the first
/// step, written to JSON as <c>"Infinity"</c>), and its two counters.
/// </summary>
public sealed record ReduceLROnPlateauState(
    int Epoch,
    [property: JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] double Best,
    int BadEpochs,
    int CooldownCounter);
