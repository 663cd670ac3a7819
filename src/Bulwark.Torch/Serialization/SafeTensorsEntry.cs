namespace Bulwark.Torch.Serialization;

/// <summary>One tensor described in a safetensors header: its bytes are <c>[Begin, End)</c> of the data section.</summary>
public sealed record SafeTensorsEntry(string Name, DType DType, IReadOnlyList<long> Shape, long Begin, long End);
