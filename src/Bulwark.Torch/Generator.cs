using Bulwark.Torch.Interop;

namespace Bulwark.Torch;

/// <summary>
/// A seeded random-number generator (libtorch's CPU generator). Random tensors are drawn on the CPU and
/// then moved, so a seed gives the same numbers on every device. Its state can be saved and restored,
/// which is how a training checkpoint resumes the same random stream.
/// </summary>
public sealed class Generator : IDisposable
{
    private readonly GeneratorHandle handle;

    public Generator(ulong seed)
    {
        Native.Check(NativeMethods.BwGenerator_create(seed, out handle));
    }

    internal GeneratorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(handle.IsClosed, this);
            return handle;
        }
    }

    internal static GeneratorHandle HandleOf(Generator? generator) => generator is null ? GeneratorHandle.Null : generator.Handle;

    public ulong InitialSeed
    {
        get
        {
            Native.Check(NativeMethods.BwGenerator_initialSeed(Handle, out var seed));
            return seed;
        }
    }

    public void ManualSeed(ulong seed) => Native.Check(NativeMethods.BwGenerator_manualSeed(Handle, seed));

    /// <summary>The full state as bytes (a uint8 tensor's contents).</summary>
    public byte[] GetState()
    {
        Native.Check(NativeMethods.BwGenerator_getState(Handle, out var state));
        using var tensor = new Tensor(state);
        TensorScope.Current?.Release(tensor);
        return tensor.ToArray<byte>();
    }

    public void SetState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var tensor = Torch.FromArray(state, state.Length);
        TensorScope.Current?.Release(tensor);
        Native.Check(NativeMethods.BwGenerator_setState(Handle, tensor.Handle));
    }

    public void Dispose() => handle.Dispose();
}
