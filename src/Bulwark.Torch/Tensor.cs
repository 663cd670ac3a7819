using System.Runtime.InteropServices;
using System.Text;
using Bulwark.Torch.Interop;

namespace Bulwark.Torch;

/// <summary>
/// An n-dimensional array held by libtorch, with automatic differentiation. Owns one native reference,
/// freed by <see cref="Dispose"/> or by the <see cref="TensorScope"/> it was made in.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle handle;

    internal Tensor(TensorHandle handle)
    {
        this.handle = handle;
        TensorScope.Current?.Adopt(this);
    }

    internal TensorScope? Scope { get; set; }

    internal TensorHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(handle.IsClosed, this);
            return handle;
        }
    }

    public bool IsDisposed => handle.IsClosed;

    /// <summary>Wraps a native result: checks the status, then owns the handle. The one wrapper every op goes through.</summary>
    internal static Tensor From(int status, TensorHandle result)
    {
        Native.Check(status);
        return new Tensor(result);
    }

    internal static Tensor? FromOptional(int status, TensorHandle result)
    {
        Native.Check(status);
        if (result.IsInvalid)
        {
            result.Dispose();
            return null;
        }

        return new Tensor(result);
    }

    internal static TensorHandle HandleOf(Tensor? tensor) => tensor is null ? TensorHandle.Null : tensor.Handle;

    // ---- metadata --------------------------------------------------------------------------

    public long Dim
    {
        get
        {
            Native.Check(NativeMethods.BwTensor_dim(Handle, out var dim));
            return dim;
        }
    }

    public long[] Shape
    {
        get
        {
            var shape = new long[Dim];
            Native.Check(NativeMethods.BwTensor_shape(Handle, shape, shape.Length));
            return shape;
        }
    }

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(long dim)
    {
        var shape = Shape;
        var index = dim < 0 ? dim + shape.Length : dim;
        if (index < 0 || index >= shape.Length)
        {
            throw new TorchIndexException($"dimension {dim} is out of range for a tensor of {shape.Length} dimensions");
        }

        return shape[index];
    }

    public long NumberOfElements
    {
        get
        {
            Native.Check(NativeMethods.BwTensor_numel(Handle, out var count));
            return count;
        }
    }

    public DType DType
    {
        get
        {
            Native.Check(NativeMethods.BwTensor_dtype(Handle, out var code));
            return Enum.IsDefined((DType)code)
                ? (DType)code
                : throw new TorchTypeException($"tensor has a scalar type Bulwark does not support (code {code})");
        }
    }

    public Device Device
    {
        get
        {
            Native.Check(NativeMethods.BwTensor_device(Handle, out var type, out var index));
            return new Device((DeviceType)type, index);
        }
    }

    public bool RequiresGrad
    {
        get
        {
            Native.Check(NativeMethods.BwTensor_requiresGrad(Handle, out var value));
            return value != 0;
        }

        set => Native.Check(NativeMethods.BwTensor_setRequiresGrad_(Handle, value ? 1 : 0));
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, as PyTorch's <c>requires_grad_()</c>.</summary>
    public Tensor RequiresGrad_(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    public bool IsLeaf
    {
        get
        {
            Native.Check(NativeMethods.BwTensor_isLeaf(Handle, out var value));
            return value != 0;
        }
    }

    /// <summary>The accumulated gradient of a leaf, or null. Each read returns a new reference to it.</summary>
    public Tensor? Grad
    {
        get => FromOptional(NativeMethods.BwTensor_grad(Handle, out var grad), grad);
        set => Native.Check(NativeMethods.BwTensor_setGrad(Handle, HandleOf(value)));
    }

    public void RetainGrad() => Native.Check(NativeMethods.BwTensor_retainGrad(Handle));

    /// <summary>Whether both tensors are the same libtorch tensor (the same TensorImpl).</summary>
    public bool IsSameAs(Tensor other)
    {
        Native.Check(NativeMethods.BwTensor_sameStorage(Handle, other.Handle, out var same));
        return same != 0;
    }

    // ---- data out -------------------------------------------------------------------------

    /// <summary>Copies the elements (row-major, on the CPU) into a new array of the tensor's element type.</summary>
    public unsafe T[] ToArray<T>()
        where T : unmanaged
    {
        var expected = DTypeExtensions.Of<T>();
        if (DType != expected)
        {
            throw new TorchTypeException($"cannot read a {DType.ToTorchName()} tensor as {typeof(T).Name} ({expected.ToTorchName()})");
        }

        var result = new T[NumberOfElements];
        fixed (T* pointer = result)
        {
            Native.Check(NativeMethods.BwTensor_copyToBuffer(Handle, pointer, (long)result.Length * sizeof(T)));
        }

        return result;
    }

    /// <summary>Copies the raw little-endian bytes of the elements.</summary>
    public unsafe byte[] ToBytes()
    {
        var result = new byte[NumberOfElements * DType.ElementSize()];
        fixed (byte* pointer = result)
        {
            Native.Check(NativeMethods.BwTensor_copyToBuffer(Handle, pointer, result.Length));
        }

        return result;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public double ToDouble()
    {
        Native.Check(NativeMethods.BwTensor_itemDouble(Handle, out var value));
        return value;
    }

    public float ToSingle() => (float)ToDouble();

    public long ToInt64()
    {
        Native.Check(NativeMethods.BwTensor_itemInt64(Handle, out var value));
        return value;
    }

    /// <summary>Whether the single element is non-zero (NaN counts as true, as in Python's <c>bool()</c>).</summary>
    public bool ToBoolean() => ToDouble() != 0; // not ToInt64: that truncates 0.5 to 0

    // ---- conversion and copies ------------------------------------------------------------

    public Tensor To(DType dtype) => To(dtype, Device);

    public Tensor To(Device device) => To(DType, device);

    public Tensor To(DType dtype, Device device) =>
        From(NativeMethods.BwTensor_to(Handle, (int)dtype, (int)device.Type, device.Index, out var h), h);

    public Tensor Float() => To(DType.Float32);

    public Tensor Double() => To(DType.Float64);

    public Tensor Long() => To(DType.Int64);

    public Tensor Cpu() => To(Device.Cpu);

    public Tensor Clone() => From(NativeMethods.BwTensor_clone(Handle, out var h), h);

    public Tensor Contiguous() => From(NativeMethods.BwTensor_contiguous(Handle, out var h), h);

    /// <summary>A tensor sharing this one's data, outside the autograd graph.</summary>
    public Tensor Detach() => From(NativeMethods.BwTensor_detach(Handle, out var h), h);

    /// <summary>A second owned reference to the same libtorch tensor (shares data and autograd identity).</summary>
    public Tensor Alias() => From(NativeMethods.BwTensor_alias(Handle, out var h), h);

    public Tensor Copy_(Tensor source)
    {
        Native.Check(NativeMethods.BwTensor_copy_(Handle, source.Handle));
        return this;
    }

    public Tensor Zero_()
    {
        Native.Check(NativeMethods.BwTensor_zero_(Handle));
        return this;
    }

    public Tensor Fill_(double value)
    {
        Native.Check(NativeMethods.BwTensor_fill_(Handle, value));
        return this;
    }

    /// <summary>Replaces this tensor's data (and with it its device and dtype) while keeping its identity.</summary>
    public Tensor SetData_(Tensor data)
    {
        Native.Check(NativeMethods.BwTensor_setData_(Handle, data.Handle));
        return this;
    }

    public Tensor Normal_(double mean = 0, double std = 1, Generator? generator = null)
    {
        Native.Check(NativeMethods.BwTensor_normal_(Handle, mean, std, Generator.HandleOf(generator)));
        return this;
    }

    public Tensor Uniform_(double low = 0, double high = 1, Generator? generator = null)
    {
        Native.Check(NativeMethods.BwTensor_uniform_(Handle, low, high, Generator.HandleOf(generator)));
        return this;
    }

    /// <summary>Backpropagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Autograd.Backward([this], gradient is null ? null : [gradient], retainGraph, createGraph);

    /// <summary>libtorch's printout of the values.</summary>
    public unsafe string ToValuesString()
    {
        Native.Check(NativeMethods.BwTensor_toString(Handle, null, 0, out var needed));
        var buffer = new byte[needed];
        fixed (byte* pointer = buffer)
        {
            Native.Check(NativeMethods.BwTensor_toString(Handle, pointer, needed, out _));
        }

        return Encoding.UTF8.GetString(buffer, 0, (int)needed - 1);
    }

    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor(shape=[{string.Join(", ", Shape)}], dtype={DType.ToTorchName()}, device={Device})";

    public void Dispose()
    {
        handle.Dispose();
    }
}
