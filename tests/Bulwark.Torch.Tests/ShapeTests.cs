namespace Bulwark.Torch.Tests;

/// <summary>Forward values of views, joins, slices and indexing against hand-computed results.</summary>
public sealed class ShapeTests
{
    private static Tensor Counting(params long[] shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        return Torch.Arange(0, count, 1, DType.Float64).View(shape);
    }

    [Fact]
    public void Should_reinterpret_in_row_major_order_When_viewed_reshaped_or_flattened()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Counting(2, 3);

        // When / Then
        x.View(3, 2).ToArray<double>().ShouldBe([0.0, 1, 2, 3, 4, 5]);
        x.View(-1).Shape.ShouldBe([6L]);
        x.T.Reshape(6).ToArray<double>().ShouldBe([0.0, 3, 1, 4, 2, 5]);
        Counting(2, 2, 2).Flatten(1).Shape.ShouldBe([2L, 4L]);
        x.Unsqueeze(0).Unsqueeze(-1).Shape.ShouldBe([1L, 2L, 3L, 1L]);
        x.Unsqueeze(0).Unsqueeze(-1).Squeeze().Shape.ShouldBe([2L, 3L]);
        x.Unsqueeze(1).Squeeze(1).Shape.ShouldBe([2L, 3L]);
    }

    [Fact]
    public void Should_share_storage_When_a_view_is_written()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Counting(2, 3);
        var view = x.View(6);

        // When
        view.Narrow(0, 4, 2).Fill_(-1);

        // Then
        x.ToArray<double>().ShouldBe([0.0, 1, 2, 3, -1, -1]);
    }

    [Fact]
    public void Should_move_elements_to_their_new_positions_When_permuted_or_transposed()
    {
        // Given: x[i, j, k] = 6i + 2j + k
        using var scope = TensorScope.Begin();
        var x = Counting(2, 3, 2);

        // When
        var permuted = x.Permute(2, 0, 1);
        var transposed = x.Transpose(0, 1);

        // Then: permuted[k, i, j] = x[i, j, k]
        permuted.Shape.ShouldBe([2L, 2L, 3L]);
        permuted.Contiguous().ToArray<double>().ShouldBe([0.0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11]);
        transposed.ToArray<double>().ShouldBe([0.0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
    }

    [Fact]
    public void Should_broadcast_and_tile_When_expanded_or_repeated()
    {
        // Given
        using var scope = TensorScope.Begin();
        var column = Torch.FromArray(new double[] { 1, 2 }, 2, 1);

        // When / Then
        column.Expand(2, 3).ToArray<double>().ShouldBe([1.0, 1, 1, 2, 2, 2]);
        column.Expand(-1, 2).Shape.ShouldBe([2L, 2L]);
        column.ExpandAs(Torch.Zeros(4, 2, 3)).Shape.ShouldBe([4L, 2L, 3L]);
        column.Repeat(2, 2).ToArray<double>().ShouldBe([1.0, 1, 2, 2, 1, 1, 2, 2]);
    }

    [Fact]
    public void Should_join_along_an_existing_or_a_new_dim_When_cat_or_stack_is_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        var a = Counting(2, 2);
        var b = Counting(2, 2) + 10;

        // When / Then
        Torch.Cat([a, b]).ToArray<double>().ShouldBe([0.0, 1, 2, 3, 10, 11, 12, 13]);
        Torch.Cat([a, b], 1).ToArray<double>().ShouldBe([0.0, 1, 10, 11, 2, 3, 12, 13]);
        Torch.Stack([a, b]).Shape.ShouldBe([2L, 2L, 2L]);
        Torch.Stack([a, b], 2).ToArray<double>().ShouldBe([0.0, 10, 1, 11, 2, 12, 3, 13]);
    }

    [Fact]
    public void Should_cut_into_parts_When_chunk_or_split_is_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Counting(7);

        // When
        var chunks = x.Chunk(3);
        var splits = x.Split(3);

        // Then: chunk makes parts of ⌈7/3⌉ = 3; split makes parts of exactly 3 and a remainder
        chunks.Select(c => c.Size(0)).ShouldBe([3L, 3L, 1L]);
        splits.Select(s => s.Size(0)).ShouldBe([3L, 3L, 1L]);
        chunks[2].ToArray<double>().ShouldBe([6.0]);
        splits[1].ToArray<double>().ShouldBe([3.0, 4, 5]);
        Counting(2, 6).Chunk(4, 1).Length.ShouldBe(3);
        Counting(2, 6).Split(4, 1)[1].Shape.ShouldBe([2L, 2L]);
    }

    [Fact]
    public void Should_pick_the_requested_elements_When_slicing_and_selecting()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Counting(3, 4);

        // When / Then
        x.Narrow(1, 1, 2).ToArray<double>().ShouldBe([1.0, 2, 5, 6, 9, 10]);
        x.Slice(1, 0, 4, 2).ToArray<double>().ShouldBe([0.0, 2, 4, 6, 8, 10]);
        x.Slice(0, 1, 3).ToArray<double>().ShouldBe([4.0, 5, 6, 7, 8, 9, 10, 11]);
        x.Select(1, 3).ToArray<double>().ShouldBe([3.0, 7, 11]);
        x[2].ToArray<double>().ShouldBe([8.0, 9, 10, 11]);
        x.Select(0, -1).ToArray<double>().ShouldBe([8.0, 9, 10, 11]);
        x.Size(-1).ShouldBe(4);
    }

    [Fact]
    public void Should_index_by_tensors_When_index_select_gather_and_scatter_are_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Counting(3, 4);

        // When
        var rows = x.IndexSelect(0, Torch.TensorOf(2L, 0L));
        var gathered = x.Gather(1, Torch.FromArray(new long[] { 3, 0, 1, 1, 2, 0 }, 3, 2));
        var scattered = Torch.Zeros([2, 3], DType.Float64)
            .Scatter(1, Torch.FromArray(new long[] { 2, 0, 1, 2 }, 2, 2), Torch.FromArray(new double[] { 5, 6, 7, 8 }, 2, 2));
        var marked = Torch.Zeros([2, 3], DType.Float64).Scatter(1, Torch.FromArray(new long[] { 1, 0 }, 2, 1), 9);

        // Then
        rows.ToArray<double>().ShouldBe([8.0, 9, 10, 11, 0, 1, 2, 3]);
        gathered.ToArray<double>().ShouldBe([3.0, 0, 5, 5, 10, 8]);
        scattered.ToArray<double>().ShouldBe([6.0, 0, 5, 0, 7, 8]);
        marked.ToArray<double>().ShouldBe([0.0, 9, 0, 9, 0, 0]);
    }

    [Fact]
    public void Should_choose_per_element_When_where_masked_fill_and_masked_select_are_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Counting(2, 3);
        var mask = Torch.FromArray(new[] { true, false, true, false, false, true }, 2, 3);

        // When / Then
        Torch.Where(mask, x, x.Neg()).ToArray<double>().ShouldBe([0.0, -1, 2, -3, -4, 5]);
        Torch.Where(x.Gt(2), x, Torch.Scalar(-1, DType.Float64)).ToArray<double>().ShouldBe([-1.0, -1, -1, 3, 4, 5]);
        x.MaskedFill(mask, 100).ToArray<double>().ShouldBe([100.0, 1, 100, 3, 4, 100]);
        x.MaskedSelect(mask).ToArray<double>().ShouldBe([0.0, 2, 5]);
        mask.Nonzero().ToArray<long>().ShouldBe([0L, 0L, 0L, 2L, 1L, 2L]);
    }
}
