using Bulwark.Torch;

namespace Bulwark.TestKit;

// Inside Bulwark.*, a bare `Torch` names the namespace Bulwark.Torch; this names the class.
using Torch = Bulwark.Torch.Torch;

/// <summary>
/// Seeded float64 test inputs, shaped to keep finite differences honest: values kept away from the kinks
/// of abs/relu/sign (<see cref="AwayFromZero"/>), from ties of max/sort/pooling (<see cref="Distinct"/>),
/// and from the jumps of floor/round (<see cref="AwayFromIntegers"/>). Only <c>rand</c> and
/// <c>FromArray</c> of the engine are used to make them; the shaping is done on the host.
/// </summary>
public sealed class Samples : IDisposable
{
    private readonly Generator generator;

    public Samples(ulong seed) => generator = new Generator(seed);

    /// <summary>Uniform in [low, high).</summary>
    public Tensor Uniform(long[] shape, double low = -1, double high = 1) =>
        Make(shape, Draw(shape).Select(u => low + (high - low) * u).ToArray());

    /// <summary>Standard normal samples.</summary>
    public Tensor Normal(params long[] shape) => Torch.Randn(shape, generator, DType.Float64);

    /// <summary>Magnitude uniform in [minMagnitude, maxMagnitude], sign random.</summary>
    public Tensor AwayFromZero(long[] shape, double minMagnitude = 0.2, double maxMagnitude = 2)
    {
        var magnitudes = Draw(shape);
        var signs = Draw(shape);
        var values = magnitudes.Select((u, i) => (signs[i] < 0.5 ? -1 : 1) * (minMagnitude + (maxMagnitude - minMagnitude) * u));
        return Make(shape, values.ToArray());
    }

    /// <summary>
    /// Pairwise distinct values in [low, high], at least (high − low) / 2n apart, in random order;
    /// with <paramref name="randomSign"/> the magnitudes are distinct and each value gets a random sign.
    /// </summary>
    public Tensor Distinct(long[] shape, double low = -2, double high = 2, bool randomSign = false)
    {
        var count = Count(shape);
        using var permutation = Torch.Randperm(count, generator);
        TensorScope.Current?.Release(permutation);
        var ranks = permutation.ToArray<long>();
        var jitter = Draw(shape);
        var signs = Draw(shape);
        var step = (high - low) / count;
        var values = ranks.Select((rank, i) =>
            (randomSign && signs[i] < 0.5 ? -1 : 1) * (low + step * (rank + 0.25 + 0.5 * jitter[i])));
        return Make(shape, values.ToArray());
    }

    /// <summary>Values in [low, high) whose fractional part lies in [0.15, 0.35] ∪ [0.65, 0.85].</summary>
    public Tensor AwayFromIntegers(long[] shape, long low = -3, long high = 3)
    {
        var whole = Draw(shape);
        var fraction = Draw(shape);
        var values = whole.Select((u, i) =>
        {
            var integer = Math.Floor(low + (high - low) * u);
            var f = fraction[i] < 0.5 ? 0.15 + 0.4 * fraction[i] : 0.65 + 0.4 * (fraction[i] - 0.5);
            return integer + f;
        });
        return Make(shape, values.ToArray());
    }

    /// <summary>Integers uniform in [low, high), int64.</summary>
    public Tensor Integers(long[] shape, long low, long high) => Torch.Randint(low, high, shape, generator);

    public void Dispose() => generator.Dispose();

    private double[] Draw(long[] shape)
    {
        using var uniform = Torch.Rand([Count(shape)], generator, DType.Float64);
        TensorScope.Current?.Release(uniform);
        return uniform.ToArray<double>();
    }

    private static Tensor Make(long[] shape, double[] values) => Torch.FromArray(values, shape);

    private static long Count(long[] shape) => shape.Aggregate(1L, (product, size) => product * size);
}
