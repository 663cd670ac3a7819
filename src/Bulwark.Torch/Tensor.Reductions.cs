using Bulwark.Torch.Interop;

namespace Bulwark.Torch;

/// <summary>Reductions over dimensions, with <c>keepDim</c> as in PyTorch.</summary>
public sealed partial class Tensor
{
    public Tensor Sum() => From(NativeMethods.BwTensor_sum(Handle, default, 0, 0, out var h), h);

    public Tensor Sum(long dim, bool keepDim = false) => Sum([dim], keepDim);

    public Tensor Sum(long[] dims, bool keepDim = false) =>
        From(NativeMethods.BwTensor_sum(Handle, dims, dims.Length, keepDim ? 1 : 0, out var h), h);

    public Tensor Mean() => From(NativeMethods.BwTensor_mean(Handle, default, 0, 0, out var h), h);

    public Tensor Mean(long dim, bool keepDim = false) => Mean([dim], keepDim);

    public Tensor Mean(long[] dims, bool keepDim = false) =>
        From(NativeMethods.BwTensor_mean(Handle, dims, dims.Length, keepDim ? 1 : 0, out var h), h);

    public Tensor Var(long[]? dims = null, bool unbiased = true, bool keepDim = false) =>
        From(NativeMethods.BwTensor_var(Handle, dims ?? [], dims?.Length ?? 0, unbiased ? 1 : 0, keepDim ? 1 : 0, out var h), h);

    public Tensor LogSumExp(long dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    public Tensor LogSumExp(long[] dims, bool keepDim = false) =>
        From(NativeMethods.BwTensor_logsumexp(Handle, dims, dims.Length, keepDim ? 1 : 0, out var h), h);

    /// <summary>
    /// The vector p-norm over all elements: p = 0 counts non-zeros, 1, 2, and <see cref="double.PositiveInfinity"/>
    /// for the largest magnitude.
    /// </summary>
    public Tensor Norm(double p = 2) => From(NativeMethods.BwTensor_norm(Handle, p, default, 0, 0, out var h), h);

    public Tensor Norm(double p, long dim, bool keepDim = false) => Norm(p, [dim], keepDim);

    public Tensor Norm(double p, long[] dims, bool keepDim = false) =>
        From(NativeMethods.BwTensor_norm(Handle, p, dims, dims.Length, keepDim ? 1 : 0, out var h), h);

    /// <summary>
    /// One p-norm per sample: every dimension after the first is flattened, giving shape [batch].
    /// The norm attacks and regularizers measure perturbations with.
    /// </summary>
    public Tensor NormPerSample(double p = 2)
    {
        using var flat = Flatten(1);
        return flat.Norm(p, 1);
    }

    public Tensor Max() => From(NativeMethods.BwTensor_maxAll(Handle, out var h), h);

    public Tensor Min() => From(NativeMethods.BwTensor_minAll(Handle, out var h), h);

    public (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        Native.Check(NativeMethods.BwTensor_maxDim(Handle, dim, keepDim ? 1 : 0, out var values, out var indices));
        return (new Tensor(values), new Tensor(indices));
    }

    public (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false)
    {
        Native.Check(NativeMethods.BwTensor_minDim(Handle, dim, keepDim ? 1 : 0, out var values, out var indices));
        return (new Tensor(values), new Tensor(indices));
    }

    public Tensor Argmax() => From(NativeMethods.BwTensor_argmax(Handle, 0, 0, 0, out var h), h);

    public Tensor Argmax(long dim, bool keepDim = false) => From(NativeMethods.BwTensor_argmax(Handle, dim, 1, keepDim ? 1 : 0, out var h), h);

    public Tensor Argmin() => From(NativeMethods.BwTensor_argmin(Handle, 0, 0, 0, out var h), h);

    public Tensor Argmin(long dim, bool keepDim = false) => From(NativeMethods.BwTensor_argmin(Handle, dim, 1, keepDim ? 1 : 0, out var h), h);

    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        Native.Check(NativeMethods.BwTensor_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var values, out var indices));
        return (new Tensor(values), new Tensor(indices));
    }

    public (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false)
    {
        Native.Check(NativeMethods.BwTensor_sort(Handle, dim, descending ? 1 : 0, out var values, out var indices));
        return (new Tensor(values), new Tensor(indices));
    }

    public Tensor Any() => From(NativeMethods.BwTensor_any(Handle, 0, 0, 0, out var h), h);

    public Tensor Any(long dim, bool keepDim = false) => From(NativeMethods.BwTensor_any(Handle, dim, 1, keepDim ? 1 : 0, out var h), h);

    public Tensor All() => From(NativeMethods.BwTensor_all(Handle, 0, 0, 0, out var h), h);

    public Tensor All(long dim, bool keepDim = false) => From(NativeMethods.BwTensor_all(Handle, dim, 1, keepDim ? 1 : 0, out var h), h);

    public Tensor Cumsum(long dim) => From(NativeMethods.BwTensor_cumsum(Handle, dim, out var h), h);
}
