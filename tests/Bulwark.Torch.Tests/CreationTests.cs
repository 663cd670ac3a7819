namespace Bulwark.Torch.Tests;

/// <summary>Creation functions against their closed forms.</summary>
public sealed class CreationTests
{
    [Fact]
    public void Should_fill_with_zeros_ones_and_a_value_When_created_with_a_shape()
    {
        // Given
        using var scope = TensorScope.Begin();

        // When
        var zeros = Torch.Zeros(2, 3);
        var ones = Torch.Ones([4], DType.Int64);
        var full = Torch.Full([2, 2], 2.5, DType.Float64);

        // Then
        zeros.Shape.ShouldBe([2L, 3L]);
        zeros.DType.ShouldBe(DType.Float32);
        zeros.ToArray<float>().ShouldAllBe(v => v == 0f);
        ones.ToArray<long>().ShouldBe([1L, 1L, 1L, 1L]);
        full.ToArray<double>().ShouldBe([2.5, 2.5, 2.5, 2.5]);
    }

    [Fact]
    public void Should_copy_shape_dtype_and_fill_When_created_like_another_tensor()
    {
        // Given
        using var scope = TensorScope.Begin();
        var like = Torch.Zeros([3, 1], DType.Float64);

        // When
        var full = Torch.FullLike(like, -4);
        var ones = Torch.OnesLike(like);

        // Then
        full.Shape.ShouldBe([3L, 1L]);
        full.DType.ShouldBe(DType.Float64);
        full.ToArray<double>().ShouldBe([-4.0, -4.0, -4.0]);
        ones.ToArray<double>().ShouldBe([1.0, 1.0, 1.0]);
    }

    [Fact]
    public void Should_make_a_zero_dimensional_tensor_When_a_scalar_is_created()
    {
        // Given
        using var scope = TensorScope.Begin();

        // When
        var scalar = Torch.Scalar(3.25, DType.Float64);

        // Then
        scalar.Dim.ShouldBe(0);
        scalar.Shape.ShouldBeEmpty();
        scalar.NumberOfElements.ShouldBe(1);
        scalar.ToDouble().ShouldBe(3.25);
    }

    [Fact]
    public void Should_count_from_start_by_step_excluding_end_When_arange_is_called()
    {
        // Given
        using var scope = TensorScope.Begin();

        // When
        var integers = Torch.Arange(5);
        var stepped = Torch.Arange(1, 2, 0.25, DType.Float64);
        var descending = Torch.Arange(3, -3, -2, DType.Int64);

        // Then
        integers.ToArray<long>().ShouldBe([0L, 1L, 2L, 3L, 4L]);
        stepped.ToArray<double>().ShouldBe([1.0, 1.25, 1.5, 1.75]);
        descending.ToArray<long>().ShouldBe([3L, 1L, -1L]);
    }

    [Fact]
    public void Should_space_points_evenly_including_both_ends_When_linspace_is_called()
    {
        // Given
        using var scope = TensorScope.Begin();

        // When
        var points = Torch.Linspace(-1, 1, 5, DType.Float64);
        var single = Torch.Linspace(2, 7, 1, DType.Float64);

        // Then
        points.ToArray<double>().ShouldBe([-1.0, -0.5, 0.0, 0.5, 1.0], 1e-15);
        single.ToArray<double>().ShouldBe([2.0]);
    }

    [Fact]
    public void Should_put_ones_on_the_diagonal_When_eye_is_called()
    {
        // Given
        using var scope = TensorScope.Begin();

        // When
        var square = Torch.Eye(3);
        var wide = Torch.Eye(2, 3, DType.Int64);

        // Then
        square.ToArray<float>().ShouldBe([1f, 0f, 0f, 0f, 1f, 0f, 0f, 0f, 1f]);
        wide.Shape.ShouldBe([2L, 3L]);
        wide.ToArray<long>().ShouldBe([1L, 0L, 0L, 0L, 1L, 0L]);
    }

    [Fact]
    public void Should_mark_each_label_column_When_one_hot_encodes_labels()
    {
        // Given
        using var scope = TensorScope.Begin();
        var labels = Torch.TensorOf(2L, 0L, 3L);

        // When
        var encoded = Torch.OneHot(labels, 4);

        // Then
        encoded.Shape.ShouldBe([3L, 4L]);
        encoded.DType.ShouldBe(DType.Int64);
        encoded.ToArray<long>().ShouldBe([0L, 0L, 1L, 0L, 1L, 0L, 0L, 0L, 0L, 0L, 0L, 1L]);
    }

    [Fact]
    public void Should_draw_within_range_When_rand_randint_and_randperm_are_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(7);

        // When
        var uniform = Torch.Rand([1000], generator, DType.Float64).ToArray<double>();
        var integers = Torch.Randint(-2, 3, [1000], generator).ToArray<long>();
        var permutation = Torch.Randperm(50, generator).ToArray<long>();

        // Then
        uniform.ShouldAllBe(u => u >= 0 && u < 1);
        uniform.Average().ShouldBe(0.5, 0.05);
        integers.ShouldAllBe(i => i >= -2 && i < 3);
        integers.Distinct().Count().ShouldBe(5);
        permutation.Order().ShouldBe(Enumerable.Range(0, 50).Select(i => (long)i));
    }

    [Fact]
    public void Should_have_standard_moments_When_randn_draws_many_samples()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(8);

        // When
        var samples = Torch.Randn([20000], generator, DType.Float64).ToArray<double>();

        // Then: the standard errors of mean and variance are 0.007 and 0.01 at this sample size
        var mean = samples.Average();
        var variance = samples.Select(v => (v - mean) * (v - mean)).Average();
        mean.ShouldBe(0, 0.04);
        variance.ShouldBe(1, 0.05);
    }

    [Fact]
    public void Should_draw_zeros_and_ones_with_the_given_probability_When_bernoulli_is_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(9);
        var probabilities = Torch.FromArray(new double[] { 0, 1, 0.25 }, 3).Expand(4000, 3).Contiguous();

        // When
        var draws = Torch.Bernoulli(probabilities, generator);

        // Then
        var columns = draws.Mean(0).ToArray<double>();
        columns[0].ShouldBe(0);
        columns[1].ShouldBe(1);
        columns[2].ShouldBe(0.25, 0.03);
    }

    [Fact]
    public void Should_fill_in_place_from_a_generator_When_normal_and_uniform_are_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(10);
        var normal = Torch.Empty([5000], DType.Float64);
        var uniform = Torch.Empty([5000], DType.Float64);

        // When
        normal.Normal_(mean: 3, std: 0.5, generator);
        uniform.Uniform_(low: -2, high: -1, generator);

        // Then
        normal.Mean().ToDouble().ShouldBe(3, 0.03);
        normal.Var().Sqrt().ToDouble().ShouldBe(0.5, 0.03);
        uniform.ToArray<double>().ShouldAllBe(u => u >= -2 && u < -1);
    }
}
