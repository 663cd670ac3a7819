using System.Numerics;
using Bulwark.TestKit;

namespace Bulwark.Torch.Tests;

/// <summary>The native pair search of the saliency map against every pair scored in .NET, in the tensors' own precision.</summary>
public sealed class SaliencyPairsTests
{
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void Should_pick_the_pair_an_exhaustive_search_picks_When_given_random_rows(bool increase, bool float64)
    {
        // Given: 9 rows of 60 features; about a third of each row outside the domain, row 7 with an empty domain and
        // row 8 with every α of the wrong sign, so that no pair qualifies there
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 2024);
        var dtype = float64 ? DType.Float64 : DType.Float32;
        var alpha = samples.Uniform([9, 60]).To(dtype);
        var beta = samples.Uniform([9, 60]).To(dtype);
        var domain = samples.Uniform([9, 60], 0, 1).Gt(0.35);
        domain.Narrow(0, 7, 1).Fill_(0);
        var last = alpha.Narrow(0, 8, 1);
        last.Copy_(last.Abs().Mul(increase ? -1 : 1));

        // When
        var (pairs, found) = SaliencyPairs.Best(alpha, beta, domain, increase);

        // Then
        pairs.Shape.ShouldBe([9L, 2L]);
        pairs.DType.ShouldBe(DType.Int64);
        var expected = float64
            ? Exhaustive(alpha.ToArray<double>(), beta.ToArray<double>(), domain.ToArray<bool>(), 60, increase)
            : Exhaustive(alpha.ToArray<float>(), beta.ToArray<float>(), domain.ToArray<bool>(), 60, increase);
        found.ToArray<bool>().ShouldBe(expected.Select(e => e.Found).ToArray());
        pairs.ToArray<long>().ShouldBe(expected.SelectMany(e => new[] { e.P, e.Q }).ToArray());
        expected.Take(7).ShouldAllBe(e => e.Found);
        expected.Skip(7).ShouldAllBe(e => !e.Found);
    }

    [Fact]
    public void Should_give_a_tie_to_the_first_pair_in_row_major_order_When_several_pairs_score_the_same()
    {
        // Given: every pair of equal features scores (1 + 1)·(1 + 1) = 4; feature 0 is out of the first row's domain
        using var scope = TensorScope.Begin();
        var alpha = Torch.Ones([2, 5]);
        var beta = Torch.Full([2, 5], -1.0);
        var domain = Torch.FromArray(new[] { false, true, true, true, true, true, true, true, true, true }, 2, 5);

        // When
        var (pairs, found) = SaliencyPairs.Best(alpha, beta, domain, increase: true);

        // Then
        found.ToArray<bool>().ShouldBe([true, true]);
        pairs.ToArray<long>().ShouldBe([1L, 2L, 0L, 1L]);
    }

    [Fact]
    public void Should_throw_a_clear_error_When_shapes_or_dtypes_do_not_match()
    {
        using var scope = TensorScope.Begin();
        var alpha = Torch.Zeros([2, 4]);
        var domain = Torch.Ones([2, 4], DType.Bool);
        Should.Throw<TorchValueException>(() => SaliencyPairs.Best(alpha, Torch.Zeros([2, 5]), domain, true))
            .Message.ShouldContain("same shape");
        Should.Throw<TorchValueException>(() => SaliencyPairs.Best(alpha, alpha, Torch.Ones([2, 4]), true))
            .Message.ShouldContain("domain must be bool");
        Should.Throw<TorchValueException>(() => SaliencyPairs.Best(alpha, alpha.To(DType.Float64), domain, true))
            .Message.ShouldContain("dtype");
        Should.Throw<TorchValueException>(() => SaliencyPairs.Best(Torch.Zeros([8]), Torch.Zeros([8]), Torch.Ones([8], DType.Bool), true))
            .Message.ShouldContain("[rows, features]");
    }

    /// <summary>Every pair p &lt; q of the domain scored as −A·B in <typeparamref name="T"/>, the first best kept.</summary>
    private static (bool Found, long P, long Q)[] Exhaustive<T>(T[] alpha, T[] beta, bool[] domain, int n, bool increase)
        where T : IFloatingPointIeee754<T>
    {
        var sign = increase ? T.One : -T.One;
        var rows = alpha.Length / n;
        var result = new (bool, long, long)[rows];
        for (var r = 0; r < rows; r++)
        {
            var best = T.Zero;
            (long P, long Q) pair = (0, 0);
            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    int i = (r * n) + p, j = (r * n) + q;
                    if (!domain[i] || !domain[j])
                    {
                        continue;
                    }

                    var a = (alpha[i] * sign) + (alpha[j] * sign);
                    var b = (beta[i] * sign) + (beta[j] * sign);
                    if (a > T.Zero && b < T.Zero && -(a * b) > best)
                    {
                        best = -(a * b);
                        pair = (p, q);
                    }
                }
            }

            result[r] = (best > T.Zero, pair.P, pair.Q);
        }

        return result;
    }
}
