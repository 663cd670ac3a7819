using System.Runtime.InteropServices;

namespace Bulwark.Torch.Interop;

/// <summary>Owns one native tensor reference (a <c>BwTensor</c>); releasing it frees the reference.</summary>
internal sealed class TensorHandle : SafeHandle
{
    /// <summary>A handle that stands for "no tensor" where a native argument is optional.</summary>
    internal static readonly TensorHandle Null = new();

    public TensorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    internal TensorHandle(IntPtr handle)
        : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.BwTensor_free(handle);
        return true;
    }
}

/// <summary>Owns one native random-number generator.</summary>
internal sealed class GeneratorHandle : SafeHandle
{
    internal static readonly GeneratorHandle Null = new();

    public GeneratorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.BwGenerator_free(handle);
        return true;
    }
}
