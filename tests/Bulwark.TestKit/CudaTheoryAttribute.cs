namespace Bulwark.TestKit;

/// <summary>A <see cref="TheoryAttribute"/> that is skipped, with a reason, on a machine without CUDA.</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute()
    {
        if (!CudaProbe.Available)
        {
            Skip = CudaProbe.SkipReason;
        }
    }
}
