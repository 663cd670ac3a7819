using Bulwark.Torch.Interop;

namespace Bulwark.Torch;

/// <summary>Views, reshapes, joins, slices and indexing.</summary>
public sealed partial class Tensor
{
    public Tensor View(params long[] shape) => From(NativeMethods.BwTensor_view(Handle, shape, shape.Length, out var h), h);

    public Tensor Reshape(params long[] shape) => From(NativeMethods.BwTensor_reshape(Handle, shape, shape.Length, out var h), h);

    public Tensor Flatten(long startDim = 0, long endDim = -1) =>
        From(NativeMethods.BwTensor_flatten(Handle, startDim, endDim, out var h), h);

    public Tensor Permute(params long[] dims) => From(NativeMethods.BwTensor_permute(Handle, dims, dims.Length, out var h), h);

    public Tensor Transpose(long dim0, long dim1) => From(NativeMethods.BwTensor_transpose(Handle, dim0, dim1, out var h), h);

    /// <summary>The transpose of a 2-D tensor.</summary>
    public Tensor T => Transpose(0, 1);

    public Tensor Squeeze() => From(NativeMethods.BwTensor_squeeze(Handle, 0, 1, out var h), h);

    public Tensor Squeeze(long dim) => From(NativeMethods.BwTensor_squeeze(Handle, dim, 0, out var h), h);

    public Tensor Unsqueeze(long dim) => From(NativeMethods.BwTensor_unsqueeze(Handle, dim, out var h), h);

    public Tensor Expand(params long[] shape) => From(NativeMethods.BwTensor_expand(Handle, shape, shape.Length, out var h), h);

    public Tensor ExpandAs(Tensor other) => Expand(other.Shape);

    public Tensor Repeat(params long[] repeats) => From(NativeMethods.BwTensor_repeat(Handle, repeats, repeats.Length, out var h), h);

    public Tensor Narrow(long dim, long start, long length) =>
        From(NativeMethods.BwTensor_narrow(Handle, dim, start, length, out var h), h);

    /// <summary>Elements start, start+step, … below end along <paramref name="dim"/> (a view).</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) =>
        From(NativeMethods.BwTensor_slice(Handle, dim, start, end, step, out var h), h);

    /// <summary>The sub-tensor at <paramref name="index"/> along <paramref name="dim"/>, that dimension removed.</summary>
    public Tensor Select(long dim, long index) => From(NativeMethods.BwTensor_select(Handle, dim, index, out var h), h);

    /// <summary><c>x[i]</c>: the sub-tensor at index i of the first dimension.</summary>
    public Tensor this[long index] => Select(0, index);

    public Tensor IndexSelect(long dim, Tensor index) =>
        From(NativeMethods.BwTensor_indexSelect(Handle, dim, index.Handle, out var h), h);

    public Tensor Gather(long dim, Tensor index) => From(NativeMethods.BwTensor_gather(Handle, dim, index.Handle, out var h), h);

    public Tensor Scatter(long dim, Tensor index, Tensor source) =>
        From(NativeMethods.BwTensor_scatter(Handle, dim, index.Handle, source.Handle, out var h), h);

    public Tensor Scatter(long dim, Tensor index, double value) =>
        From(NativeMethods.BwTensor_scatterValue(Handle, dim, index.Handle, value, out var h), h);

    public Tensor MaskedFill(Tensor mask, double value) =>
        From(NativeMethods.BwTensor_maskedFill(Handle, mask.Handle, value, out var h), h);

    /// <summary>A copy of this tensor whose entries at <paramref name="index"/> along <paramref name="dim"/> are <paramref name="source"/>'s.</summary>
    public Tensor IndexCopy(long dim, Tensor index, Tensor source) =>
        From(NativeMethods.BwTensor_indexCopy(Handle, dim, index.Handle, source.Handle, out var h), h);

    public Tensor MaskedSelect(Tensor mask) => From(NativeMethods.BwTensor_maskedSelect(Handle, mask.Handle, out var h), h);

    /// <summary>Indices of the non-zero elements, shape [count, dim].</summary>
    public Tensor Nonzero() => From(NativeMethods.BwTensor_nonzero(Handle, out var h), h);

    public Tensor[] Chunk(long chunks, long dim = 0)
    {
        var outputs = new nint[Math.Max(chunks, 1)];
        Native.Check(NativeMethods.BwTensor_chunk(Handle, chunks, dim, outputs, outputs.Length, out var count));
        return Adopt(outputs, count);
    }

    public Tensor[] Split(long splitSize, long dim = 0)
    {
        if (splitSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(splitSize), splitSize, "split size must be positive");
        }

        var length = Size(dim);
        var outputs = new nint[Math.Max((length + splitSize - 1) / splitSize, 1)];
        Native.Check(NativeMethods.BwTensor_split(Handle, splitSize, dim, outputs, outputs.Length, out var count));
        return Adopt(outputs, count);
    }

    internal static Tensor[] Adopt(nint[] handles, long count)
    {
        var result = new Tensor[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = new Tensor(new TensorHandle(handles[i]));
        }

        return result;
    }
}
