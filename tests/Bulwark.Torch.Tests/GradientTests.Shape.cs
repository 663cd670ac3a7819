using Bulwark.TestKit;

namespace Bulwark.Torch.Tests;

/// <summary>Views, joins, slices and indexing against central differences: their gradients route values back.</summary>
public sealed partial class GradientTests
{
    private static readonly Dictionary<string, (long[] Shape, Func<Tensor, Tensor> Op)> ShapeOps = new()
    {
        ["view"] = ([2, 3, 4], x => x.View(6, 4)),
        ["view_inferred"] = ([2, 3, 4], x => x.View(-1, 2)),
        ["reshape_of_non_contiguous"] = ([2, 3, 4], x => x.Transpose(0, 2).Reshape(4, 6)),
        ["flatten_all"] = ([2, 3, 4], x => x.Flatten()),
        ["flatten_from_1"] = ([2, 3, 4], x => x.Flatten(1)),
        ["permute"] = ([2, 3, 4], x => x.Permute(2, 0, 1)),
        ["transpose"] = ([2, 3, 4], x => x.Transpose(0, 2)),
        ["t"] = ([3, 4], x => x.T),
        ["squeeze_all"] = ([2, 1, 4, 1], x => x.Squeeze()),
        ["squeeze_dim"] = ([2, 1, 4], x => x.Squeeze(1)),
        ["unsqueeze"] = ([2, 3], x => x.Unsqueeze(1)),
        ["expand"] = ([3, 1], x => x.Expand(2, 3, 4)),
        ["repeat"] = ([2, 3], x => x.Repeat(2, 1, 3)),
        ["narrow"] = ([2, 3, 4], x => x.Narrow(1, 1, 2)),
        ["slice_step"] = ([2, 3, 5], x => x.Slice(2, 0, 5, 2)),
        ["select"] = ([2, 3, 4], x => x.Select(1, 2)),
        ["indexer"] = ([3, 4], x => x[1]),
        ["contiguous_of_permuted"] = ([2, 3, 4], x => x.Permute(1, 2, 0).Contiguous()),
        ["clone"] = ([3, 4], x => x.Clone()),
        ["chunk_uneven"] = ([2, 3, 5], x => Torch.Cat(x.Chunk(3, 2).Reverse().Select(part => part.Flatten()).ToArray())),
        ["split_uneven"] = ([2, 5, 3], x => Torch.Cat(x.Split(2, 1).Reverse().Select(part => part.Flatten()).ToArray())),
        ["index_select_repeated"] = ([3, 4], x => x.IndexSelect(1, Torch.TensorOf(2L, 0L, 2L, 3L, 2L))),
        ["gather"] = ([3, 4], x => x.Gather(1, Torch.FromArray(new long[] { 0, 3, 3, 1, 2, 2, 0, 0, 1 }, 3, 3))),
        ["scatter_value"] = ([3, 4], x => x.Scatter(0, Torch.FromArray(new long[] { 2, 0, 1, 2 }, 1, 4), -1.5)),
        ["masked_fill"] = ([3, 4], x => x.MaskedFill(
            Torch.FromArray(new[] { true, false, false, true, false, true, false, false, true, true, false, false }, 3, 4), 7)),
        ["masked_fill_broadcast_mask"] = ([3, 4], x => x.MaskedFill(Torch.FromArray(new[] { false, true, true, false }, 4), 0)),
        ["where_with_constant"] = ([3, 4], x => Torch.Where(x.Gt(0), x, Torch.Scalar(0, DType.Float64))),
    };

    public static TheoryData<string> ShapeOpNames => new(ShapeOps.Keys);

    [Theory]
    [MemberData(nameof(ShapeOpNames))]
    public void Should_match_finite_differences_When_shape_op_is(string op)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 201);
        var (shape, function) = ShapeOps[op];
        var x = samples.AwayFromZero(shape);

        // When
        var result = GradCheck.FirstOrder(inputs => function(inputs[0]), x);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Should_match_finite_differences_for_every_part_When_tensors_are_concatenated(long dim)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 202);
        var a = samples.Uniform([2, 3]);
        var b = samples.Uniform([2, 3]);
        var c = samples.Uniform([2, 3]);

        // When
        var result = GradCheck.FirstOrder(inputs => Torch.Cat(inputs, dim), a, b, c);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Should_match_finite_differences_for_every_part_When_tensors_are_stacked(long dim)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 203);
        var a = samples.Uniform([2, 3]);
        var b = samples.Uniform([2, 3]);

        // When
        var result = GradCheck.FirstOrder(inputs => Torch.Stack(inputs, dim), a, b);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Fact]
    public void Should_match_finite_differences_for_self_and_source_When_op_is_scatter()
    {
        // Given: every column sends its two source rows to two different target rows
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 204);
        var self = samples.Uniform([3, 4]);
        var source = samples.Uniform([2, 4]);
        var index = Torch.FromArray(new long[] { 0, 1, 2, 0, 2, 0, 1, 1 }, 2, 4);

        // When
        var result = GradCheck.FirstOrder(inputs => inputs[0].Scatter(0, index, inputs[1]), self, source);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [Fact]
    public void Should_match_finite_differences_When_a_tensor_is_split_and_rejoined_along_different_dims()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 205);
        var x = samples.Uniform([4, 6]);

        // When: pieces of a split are scaled differently, so a gradient routed to the wrong piece shows
        var result = GradCheck.FirstOrder(
            inputs =>
            {
                var parts = inputs[0].Split(4, 1);
                return Torch.Cat([parts[1] * 3.0, parts[0].Narrow(1, 0, 2).Exp()], 1);
            },
            x);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }
}
