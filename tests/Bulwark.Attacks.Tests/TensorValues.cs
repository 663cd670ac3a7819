using Bulwark.Torch;

namespace Bulwark.Attacks.Tests;

internal static class TensorValues
{
    /// <summary>The values of a floating-point tensor of any precision, as doubles (exact: float32 widens losslessly).</summary>
    public static double[] Doubles(this Tensor tensor)
    {
        using var wide = tensor.To(DType.Float64);
        return wide.ToArray<double>();
    }
}
