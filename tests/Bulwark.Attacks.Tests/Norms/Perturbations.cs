using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Norms;

using Torch = Bulwark.Torch.Torch;

/// <summary>Random float64 perturbations [N, 3, 4, 4] and per-sample helpers for the norm tests.</summary>
internal static class Perturbations
{
    public const int Samples = 6;

    public const int Values = 3 * 4 * 4;

    public static Tensor Random(ulong seed, double scale = 1)
    {
        using var generator = new Generator(seed);
        using var normal = Torch.Randn([Samples, 3, 4, 4], generator, DType.Float64);
        return normal.Mul(scale);
    }

    /// <summary>Sample <paramref name="i"/>'s values of a tensor [N, ...], in memory order.</summary>
    public static double[] Row(this double[] values, int i, int width = Values) => values.Skip(i * width).Take(width).ToArray();

    public static double Dot(double[] a, double[] b) => a.Zip(b, (u, v) => u * v).Sum();
}
