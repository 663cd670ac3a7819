namespace Bulwark.Torch.Tests;

/// <summary>Forward values of reductions and order statistics against closed forms.</summary>
public sealed class ReductionTests
{
    [Fact]
    public void Should_add_and_average_along_the_given_dims_When_sum_and_mean_are_taken()
    {
        // Given: x[i, j] = 3i + j
        using var scope = TensorScope.Begin();
        var x = Torch.Arange(0, 6, 1, DType.Float64).View(2, 3);

        // When / Then
        x.Sum().ToDouble().ShouldBe(15);
        x.Sum(0).ToArray<double>().ShouldBe([3.0, 5, 7]);
        x.Sum(1, keepDim: true).Shape.ShouldBe([2L, 1L]);
        x.Sum([0, 1]).ToDouble().ShouldBe(15);
        x.Mean().ToDouble().ShouldBe(2.5);
        x.Mean(1).ToArray<double>().ShouldBe([1.0, 4]);
        x.Cumsum(1).ToArray<double>().ShouldBe([0.0, 1, 3, 3, 7, 12]);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 9)]
    [InlineData(2, 5.385164807134504)]
    [InlineData(double.PositiveInfinity, 4)]
    [InlineData(3, 4.626065009182741)]
    public void Should_match_the_closed_form_When_the_vector_norm_has_order(double p, double expected)
    {
        // Given: three non-zeros, |x| summing to 9, largest magnitude 4
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 0, -4, 0, 2, 3, 0 }, 2, 3);

        // When
        var norm = x.Norm(p).ToDouble();

        // Then: ‖x‖₂ = √29, ‖x‖₃ = ∛99
        norm.ShouldBe(expected, 1e-12);
    }

    [Fact]
    public void Should_take_one_norm_per_sample_over_every_other_dim_When_norm_per_sample_is_called()
    {
        // Given: sample 0 is all ones (8 elements), sample 1 has a single −3
        using var scope = TensorScope.Begin();
        var x = Torch.Cat([Torch.Ones([1, 2, 2, 2], DType.Float64), Torch.Zeros([1, 2, 2, 2], DType.Float64)]);
        using (Autograd.NoGrad())
        {
            x.Select(0, 1).Select(0, 1).Select(0, 0).Select(0, 1).Fill_(-3);
        }

        // When / Then
        x.NormPerSample(1).ToArray<double>().ShouldBe([8.0, 3]);
        x.NormPerSample(2).ToArray<double>().ShouldBe([Math.Sqrt(8), 3], 1e-15);
        x.NormPerSample(double.PositiveInfinity).ToArray<double>().ShouldBe([1.0, 3]);
        x.NormPerSample(0).ToArray<double>().ShouldBe([8.0, 1]);
    }

    [Fact]
    public void Should_find_extremes_and_their_positions_When_max_min_argmax_argmin_are_taken()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 3, -1, 7, 0, 5, -6 }, 2, 3);

        // When
        var (rowMax, rowArgmax) = x.Max(1);
        var (columnMin, columnArgmin) = x.Min(0, keepDim: true);

        // Then
        x.Max().ToDouble().ShouldBe(7);
        x.Min().ToDouble().ShouldBe(-6);
        x.Argmax().ToInt64().ShouldBe(2);
        x.Argmin().ToInt64().ShouldBe(5);
        rowMax.ToArray<double>().ShouldBe([7.0, 5]);
        rowArgmax.ToArray<long>().ShouldBe([2L, 1L]);
        x.Argmax(1).ToArray<long>().ShouldBe([2L, 1L]);
        columnMin.Shape.ShouldBe([1L, 3L]);
        columnMin.ToArray<double>().ShouldBe([0.0, -1, -6]);
        columnArgmin.ToArray<long>().ShouldBe([1L, 0L, 1L]);
        x.Argmin(0).ToArray<long>().ShouldBe([1L, 0L, 1L]);
    }

    [Fact]
    public void Should_return_the_k_largest_in_order_with_their_indices_When_topk_is_taken()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 0.3, 2.0, -1.0, 5.0, 1.5 }, 5);

        // When
        var (largest, largestAt) = x.TopK(3);
        var (smallest, smallestAt) = x.TopK(2, largest: false);

        // Then
        largest.ToArray<double>().ShouldBe([5.0, 2.0, 1.5]);
        largestAt.ToArray<long>().ShouldBe([3L, 1L, 4L]);
        smallest.ToArray<double>().ShouldBe([-1.0, 0.3]);
        smallestAt.ToArray<long>().ShouldBe([2L, 0L]);
    }

    [Fact]
    public void Should_order_values_and_return_the_permutation_When_sorted()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 4, -2, 9, 1, 0, 3 }, 2, 3);

        // When
        var (ascending, ascendingAt) = x.Sort();
        var (descending, descendingAt) = x.Sort(0, descending: true);

        // Then
        ascending.ToArray<double>().ShouldBe([-2.0, 4, 9, 0, 1, 3]);
        ascendingAt.ToArray<long>().ShouldBe([1L, 0L, 2L, 1L, 0L, 2L]);
        descending.ToArray<double>().ShouldBe([4.0, 0, 9, 1, -2, 3]);
        descendingAt.ToArray<long>().ShouldBe([0L, 1L, 0L, 1L, 0L, 1L]);
    }

    [Fact]
    public void Should_use_bessels_correction_only_When_variance_is_unbiased()
    {
        // Given: deviations from the mean 5 are −3, −1, 1, 3: squared sum 20
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 2, 4, 6, 8 }, 4);

        // When / Then
        x.Var().ToDouble().ShouldBe(20.0 / 3, 1e-12);
        x.Var(unbiased: false).ToDouble().ShouldBe(5, 1e-12);
        x.View(2, 2).Var([1], unbiased: false, keepDim: true).ToArray<double>().ShouldBe([1.0, 1.0]);
    }

    [Fact]
    public void Should_be_stable_for_large_values_When_logsumexp_is_taken()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 800, 800, 0, Math.Log(3) }, 2, 2);

        // When
        var lse = x.LogSumExp(1).ToArray<double>();

        // Then
        lse.ShouldBe([800 + Math.Log(2), Math.Log(4)], 1e-12);
    }

    [Fact]
    public void Should_answer_along_a_dim_or_overall_When_any_and_all_are_taken()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new[] { true, false, false, false, true, true }, 2, 3);

        // When / Then
        x.Any().ToBoolean().ShouldBeTrue();
        x.All().ToBoolean().ShouldBeFalse();
        x.Any(0).ToArray<bool>().ShouldBe([true, true, true]);
        x.All(1).ToArray<bool>().ShouldBe([false, false]);
        x.Any(1, keepDim: true).Shape.ShouldBe([2L, 1L]);
    }
}
