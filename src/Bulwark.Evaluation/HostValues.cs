using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// Copies small per-sample tensors (masks, norms, labels) to host arrays, where the metrics do their counting in
/// double precision, and checks their shapes on the way.
/// </summary>
internal static class HostValues
{
    /// <summary>A per-sample mask [N] as booleans; integer and floating tensors count non-zero as true.</summary>
    public static bool[] Mask(Tensor mask, string name, long? expected = null)
    {
        ArgumentNullException.ThrowIfNull(mask, name);
        CheckShape(mask, 1, name, expected);
        using var scope = TensorScope.Begin();
        var values = mask.DType == DType.Bool ? mask : mask.Ne(0);
        return values.Cpu().Contiguous().ToArray<bool>();
    }

    /// <summary>A matrix mask [E, N] as rows of booleans.</summary>
    public static bool[][] MaskRows(Tensor mask, string name, long expectedColumns)
    {
        ArgumentNullException.ThrowIfNull(mask, name);
        if (mask.Dim != 2 || mask.Size(1) != expectedColumns)
        {
            throw new ArgumentException(
                $"{name} must be [epsilons, {expectedColumns}]; got shape [{string.Join(", ", mask.Shape)}]", name);
        }

        using var scope = TensorScope.Begin();
        var values = mask.DType == DType.Bool ? mask : mask.Ne(0);
        var flat = values.Cpu().Contiguous().ToArray<bool>();
        var rows = (int)mask.Size(0);
        var columns = (int)expectedColumns;
        return Enumerable.Range(0, rows).Select(r => flat.AsSpan(r * columns, columns).ToArray()).ToArray();
    }

    /// <summary>Per-sample values [N] as doubles.</summary>
    public static double[] Doubles(Tensor values, string name, long? expected = null)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        CheckShape(values, 1, name, expected);
        using var scope = TensorScope.Begin();
        return values.Detach().Cpu().To(DType.Float64).Contiguous().ToArray<double>();
    }

    /// <summary>Class indices [N] as longs.</summary>
    public static long[] Longs(Tensor values, string name, long? expected = null)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        CheckShape(values, 1, name, expected);
        using var scope = TensorScope.Begin();
        return values.Cpu().To(DType.Int64).Contiguous().ToArray<long>();
    }

    /// <summary>Inputs must be a non-empty floating-point batch [N, ...].</summary>
    public static void CheckBatch(Tensor inputs, string name)
    {
        ArgumentNullException.ThrowIfNull(inputs, name);
        if (inputs.Dim < 2 || inputs.Size(0) == 0)
        {
            throw new ArgumentException($"{name} must be a non-empty batch [N, ...]; got shape [{string.Join(", ", inputs.Shape)}]", name);
        }

        if (!inputs.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"{name} must be floating point; got {inputs.DType.ToTorchName()}", name);
        }
    }

    private static void CheckShape(Tensor values, int dim, string name, long? expected)
    {
        if (values.Dim != dim || (expected is { } n && values.Size(0) != n))
        {
            var wanted = expected is { } count ? $"[{count}]" : "one-dimensional";
            throw new ArgumentException($"{name} must be {wanted}; got shape [{string.Join(", ", values.Shape)}]", name);
        }

        if (values.Size(0) == 0)
        {
            throw new ArgumentException($"{name} is empty: metrics need at least one sample", name);
        }
    }
}
