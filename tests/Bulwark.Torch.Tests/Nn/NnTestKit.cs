namespace Bulwark.Torch.Tests.Nn;

/// <summary>Host-side statistics and comparisons for the module, layer and initialisation tests.</summary>
internal static class NnTestKit
{
    /// <summary>
    /// How many standard errors a sample statistic may stray from its expectation: a 5σ band fails a
    /// correct implementation with probability about 6·10⁻⁷, and the seeds make each test repeatable anyway.
    /// </summary>
    internal const double StandardErrors = 5;

    internal static double[] Values(Tensor tensor)
    {
        using var asDouble = tensor.Detach().To(DType.Float64);
        return asDouble.ToArray<double>();
    }

    internal static double Mean(IReadOnlyList<double> values) => values.Sum() / values.Count;

    /// <summary>The variance around the sample mean, dividing by n (biased) or by n − 1 (unbiased).</summary>
    internal static double Variance(IReadOnlyList<double> values, bool unbiased = false)
    {
        var mean = Mean(values);
        var squares = values.Sum(v => (v - mean) * (v - mean));
        return squares / (values.Count - (unbiased ? 1 : 0));
    }

    /// <summary>
    /// Asserts that the sample variance of <paramref name="values"/> is within <see cref="StandardErrors"/> of
    /// <paramref name="expected"/>. The standard error of a sample variance is sqrt((μ₄ − σ⁴) / n); for the
    /// distributions here μ₄ = <paramref name="kurtosis"/>·σ⁴ (9/5 for a uniform, 3 for a normal).
    /// </summary>
    internal static void ShouldHaveVariance(IReadOnlyList<double> values, double expected, double kurtosis, string what)
    {
        var standardError = expected * Math.Sqrt((kurtosis - 1) / values.Count);
        var actual = Variance(values);
        Math.Abs(actual - expected).ShouldBeLessThanOrEqualTo(StandardErrors * standardError,
            $"{what}: variance {actual:G6} vs expected {expected:G6} (n = {values.Count}, standard error {standardError:G3})");
    }

    /// <summary>Asserts that the sample mean is within <see cref="StandardErrors"/> of zero for a zero-mean law of variance <paramref name="variance"/>.</summary>
    internal static void ShouldHaveZeroMean(IReadOnlyList<double> values, double variance, string what)
    {
        var standardError = Math.Sqrt(variance / values.Count);
        Math.Abs(Mean(values)).ShouldBeLessThanOrEqualTo(StandardErrors * standardError,
            $"{what}: mean {Mean(values):G6} (n = {values.Count}, standard error {standardError:G3})");
    }

    internal static void ShouldBeClose(IReadOnlyList<double> actual, IReadOnlyList<double> expected, double tolerance,
        string what = "")
    {
        actual.Count.ShouldBe(expected.Count, what);
        for (var i = 0; i < actual.Count; i++)
        {
            var scale = Math.Max(1, Math.Abs(expected[i]));
            Math.Abs(actual[i] - expected[i]).ShouldBeLessThanOrEqualTo(tolerance * scale,
                $"{what} element {i}: {actual[i]:R} vs expected {expected[i]:R}");
        }
    }
}
