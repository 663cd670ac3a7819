using Bulwark.Torch;

namespace Bulwark.TestKit;

// Inside Bulwark.*, a bare `Torch` names the namespace Bulwark.Torch; this names the class.
using Torch = Bulwark.Torch.Torch;

/// <summary>A <see cref="FactAttribute"/> that is skipped, with a reason, on a machine without CUDA.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!CudaProbe.Available)
        {
            Skip = CudaProbe.SkipReason;
        }
    }
}

internal static class CudaProbe
{
    internal const string SkipReason = "CUDA not available";

    private static readonly Lazy<bool> available = new(() =>
    {
        try
        {
            return Torch.CudaIsAvailable;
        }
        catch (DllNotFoundException)
        {
            return false; // the tests that need the native library report it themselves
        }
    });

    internal static bool Available => available.Value;
}
