using System.Runtime.InteropServices;
using Bulwark.Torch.Interop;

namespace Bulwark.Torch;

/// <summary>
/// Tensor creation and process-wide settings, named as in PyTorch (<c>Torch.Randn</c> is <c>torch.randn</c>).
/// Creation functions default to float32 on the CPU.
/// </summary>
public static class Torch
{
    /// <summary>The libtorch version the native shim was built against.</summary>
    public static string Version
    {
        get
        {
            Native.Check(NativeMethods.BwRuntime_version(out var text));
            return Marshal.PtrToStringUTF8(text) ?? "unknown";
        }
    }

    public static int NumThreads
    {
        get
        {
            Native.Check(NativeMethods.BwRuntime_getNumThreads(out var threads));
            return threads;
        }
    }

    /// <summary>Sets libtorch's intra-op thread count (all cores by default, or <c>BULWARK_THREADS</c>).</summary>
    public static void SetNumThreads(int threads) => Native.Check(NativeMethods.BwRuntime_setNumThreads(threads));

    public static bool CudaIsAvailable => CudaDeviceCount > 0;

    public static int CudaDeviceCount
    {
        get
        {
            Native.Check(NativeMethods.BwRuntime_cudaDeviceCount(out var count));
            return count;
        }
    }

    /// <summary>Number of native tensors alive in the process (for leak checks).</summary>
    public static long LiveTensors
    {
        get
        {
            Native.Check(NativeMethods.BwRuntime_liveTensors(out var count));
            return count;
        }
    }

    /// <summary>Seeds libtorch's default generator (dropout, and random creation without a generator).</summary>
    public static void ManualSeed(ulong seed) => Native.Check(NativeMethods.BwRuntime_manualSeed(seed));

    /// <summary>The default generator's state, for checkpoints.</summary>
    public static byte[] GetRngState()
    {
        Native.Check(NativeMethods.BwRuntime_defaultGeneratorState(out var state));
        using var tensor = new Tensor(state);
        TensorScope.Current?.Release(tensor);
        return tensor.ToArray<byte>();
    }

    public static void SetRngState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var tensor = FromArray(state, state.Length);
        TensorScope.Current?.Release(tensor);
        Native.Check(NativeMethods.BwRuntime_setDefaultGeneratorState(tensor.Handle));
    }

    // ---- creation ---------------------------------------------------------------------------

    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_zeros(shape, shape.Length, (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    public static Tensor Zeros(params long[] shape) => Zeros(shape, DType.Float32);

    public static Tensor Ones(long[] shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_ones(shape, shape.Length, (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    public static Tensor Ones(params long[] shape) => Ones(shape, DType.Float32);

    public static Tensor Empty(long[] shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_empty(shape, shape.Length, (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    public static Tensor Full(long[] shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_full(shape, shape.Length, value, (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    public static Tensor ZerosLike(Tensor like) => Zeros(like.Shape, like.DType, like.Device);

    public static Tensor OnesLike(Tensor like) => Ones(like.Shape, like.DType, like.Device);

    public static Tensor FullLike(Tensor like, double value) => Full(like.Shape, value, like.DType, like.Device);

    /// <summary>Standard normal samples; <paramref name="generator"/> null uses the default generator.</summary>
    public static Tensor Randn(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_randn(shape, shape.Length, Generator.HandleOf(generator), (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    public static Tensor Randn(params long[] shape) => Randn(shape, null);

    public static Tensor RandnLike(Tensor like, Generator? generator = null) => Randn(like.Shape, generator, like.DType, like.Device);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_rand(shape, shape.Length, Generator.HandleOf(generator), (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    public static Tensor Rand(params long[] shape) => Rand(shape, null);

    public static Tensor RandLike(Tensor like, Generator? generator = null) => Rand(like.Shape, generator, like.DType, like.Device);

    /// <summary>Integers uniform in [low, high).</summary>
    public static Tensor Randint(long low, long high, long[] shape, Generator? generator = null, DType dtype = DType.Int64, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_randint(low, high, shape, shape.Length, Generator.HandleOf(generator), (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    /// <summary>A random permutation of 0..n−1 (int64).</summary>
    public static Tensor Randperm(long n, Generator? generator = null, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_randperm(n, Generator.HandleOf(generator), (int)d.Type, d.Index, out var h), h);
    }

    /// <summary>Bernoulli draws with the given probabilities.</summary>
    public static Tensor Bernoulli(Tensor probabilities, Generator? generator = null) =>
        Tensor.From(NativeMethods.BwTensor_bernoulli(probabilities.Handle, Generator.HandleOf(generator), out var h), h);

    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_arange(start, end, step, (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    public static Tensor Arange(long end, DType dtype = DType.Int64) => Arange(0, end, 1, dtype);

    public static Tensor Linspace(double start, double end, long steps, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_linspace(start, end, steps, (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    public static Tensor Eye(long n, long? m = null, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.From(NativeMethods.BwTensor_eye(n, m ?? n, (int)dtype, (int)d.Type, d.Index, out var h), h);
    }

    /// <summary>One-hot rows (int64) for integer <paramref name="labels"/>.</summary>
    public static Tensor OneHot(Tensor labels, long numClasses) =>
        Tensor.From(NativeMethods.BwTensor_oneHot(labels.Handle, numClasses, out var h), h);

    /// <summary>A tensor holding a copy of <paramref name="data"/> (row-major) with the given shape.</summary>
    public static unsafe Tensor FromArray<T>(ReadOnlySpan<T> data, params long[] shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var size in shape)
        {
            if (size < 0)
            {
                throw new ArgumentException($"shape [{string.Join(", ", shape)}] has a negative size", nameof(shape));
            }

            count *= size;
        }

        if (count != data.Length)
        {
            throw new ArgumentException(
                $"{data.Length} elements do not fill shape [{string.Join(", ", shape)}] ({count} elements)", nameof(data));
        }

        fixed (T* pointer = data)
        {
            return Tensor.From(NativeMethods.BwTensor_fromBuffer(pointer, shape, shape.Length, (int)DTypeExtensions.Of<T>(), out var h), h);
        }
    }

    public static Tensor FromArray<T>(T[] data, params long[] shape)
        where T : unmanaged => FromArray((ReadOnlySpan<T>)data, shape);

    /// <summary>A 1-D tensor of the given values.</summary>
    public static Tensor TensorOf<T>(params T[] values)
        where T : unmanaged => FromArray((ReadOnlySpan<T>)values, values.Length);

    /// <summary>A 0-D tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    /// <summary>A tensor from raw little-endian bytes of the given dtype.</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, DType dtype, params long[] shape)
    {
        long count = 1;
        foreach (var size in shape)
        {
            count *= size;
        }

        if (count * dtype.ElementSize() != bytes.Length)
        {
            throw new ArgumentException(
                $"{bytes.Length} bytes do not fill a {dtype.ToTorchName()} tensor of shape [{string.Join(", ", shape)}]", nameof(bytes));
        }

        fixed (byte* pointer = bytes)
        {
            return Tensor.From(NativeMethods.BwTensor_fromBuffer(pointer, shape, shape.Length, (int)dtype, out var h), h);
        }
    }

    // ---- joins and selection -------------------------------------------------------------------

    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        using var handles = new Native.HandleArray(tensors);
        return Tensor.From(NativeMethods.BwTensor_cat(handles.Pointers, tensors.Count, dim, out var h), h);
    }

    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        using var handles = new Native.HandleArray(tensors);
        return Tensor.From(NativeMethods.BwTensor_stack(handles.Pointers, tensors.Count, dim, out var h), h);
    }

    /// <summary>Elementwise <c>condition ? a : b</c> with broadcasting.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) =>
        Tensor.From(NativeMethods.BwTensor_where(condition.Handle, a.Handle, b.Handle, out var h), h);
}
