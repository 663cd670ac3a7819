namespace Bulwark.Torch;

/// <summary>Where a tensor lives.</summary>
public enum DeviceType
{
    Cpu = 0,
    Cuda = 1,
}

/// <summary>A device: the CPU or one CUDA GPU. Parses <c>cpu</c>, <c>cuda</c> and <c>cuda:1</c>.</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    public static Device Cpu { get; } = new(DeviceType.Cpu);

    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    public bool IsCuda => Type == DeviceType.Cuda;

    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().ToLowerInvariant().Split(':');
        return parts[0] switch
        {
            "cpu" when parts.Length == 1 => Cpu,
            "cuda" when parts.Length == 1 => Cuda(),
            "cuda" when parts.Length == 2 && int.TryParse(parts[1], out var index) && index >= 0 => Cuda(index),
            _ => throw new FormatException($"'{text}' is not a device; use cpu, cuda or cuda:N"),
        };
    }

    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : Index < 0 ? "cuda" : $"cuda:{Index}";
}
