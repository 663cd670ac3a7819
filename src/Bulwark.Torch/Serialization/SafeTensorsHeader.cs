namespace Bulwark.Torch.Serialization;

/// <summary>
/// The parsed, validated header of a safetensors file: the tensors in header order, the free-form
/// <c>__metadata__</c> strings, and where the data section starts in the file.
/// </summary>
public sealed record SafeTensorsHeader(
    IReadOnlyList<SafeTensorsEntry> Tensors,
    IReadOnlyDictionary<string, string> Metadata,
    long DataStart);
