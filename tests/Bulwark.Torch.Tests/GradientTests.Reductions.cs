using Bulwark.TestKit;

namespace Bulwark.Torch.Tests;

/// <summary>Reductions and order statistics against central differences.</summary>
public sealed partial class GradientTests
{
    private static readonly Dictionary<string, (Func<Samples, Tensor> Input, Func<Tensor, Tensor> Op)> Reductions = new()
    {
        ["sum_all"] = (s => s.Uniform([2, 3, 4]), x => x.Sum()),
        ["sum_dim"] = (s => s.Uniform([2, 3, 4]), x => x.Sum(1)),
        ["sum_dims_keepdim"] = (s => s.Uniform([2, 3, 4]), x => x.Sum([0, 2], keepDim: true)),
        ["mean_all"] = (s => s.Uniform([2, 3, 4]), x => x.Mean()),
        ["mean_dim_keepdim"] = (s => s.Uniform([2, 3, 4]), x => x.Mean(-1, keepDim: true)),
        ["mean_dims"] = (s => s.Uniform([2, 3, 4]), x => x.Mean([0, 1])),
        ["max_all"] = (s => s.Distinct([3, 4]), x => x.Max()),
        ["min_all"] = (s => s.Distinct([3, 4]), x => x.Min()),
        ["max_dim_values"] = (s => s.Distinct([3, 4]), x => x.Max(1).Values),
        ["min_dim_values_keepdim"] = (s => s.Distinct([3, 4]), x => x.Min(0, keepDim: true).Values),
        ["norm_1"] = (s => s.AwayFromZero([3, 4]), x => x.Norm(1)),
        ["norm_2"] = (s => s.Uniform([3, 4]), x => x.Norm(2)),
        ["norm_inf"] = (s => s.Distinct([3, 4], 0.2, 2, randomSign: true), x => x.Norm(double.PositiveInfinity)),
        ["norm_2_dim"] = (s => s.Uniform([3, 4]), x => x.Norm(2, 1)),
        ["norm_1_dim_keepdim"] = (s => s.AwayFromZero([3, 4]), x => x.Norm(1, 0, keepDim: true)),
        ["norm_3"] = (s => s.AwayFromZero([3, 4]), x => x.Norm(3)),
        ["norm_per_sample_1"] = (s => s.AwayFromZero([3, 2, 2, 2]), x => x.NormPerSample(1)),
        ["norm_per_sample_2"] = (s => s.Uniform([3, 2, 2, 2]), x => x.NormPerSample(2)),
        ["norm_per_sample_inf"] = (s => s.Distinct([3, 2, 2, 2], 0.2, 2, randomSign: true), x => x.NormPerSample(double.PositiveInfinity)),
        ["logsumexp_dim"] = (s => s.Uniform([3, 4], -2, 2), x => x.LogSumExp(1)),
        ["logsumexp_dims_keepdim"] = (s => s.Uniform([2, 3, 4], -2, 2), x => x.LogSumExp([0, 2], keepDim: true)),
        ["topk_largest"] = (s => s.Distinct([3, 5]), x => x.TopK(2).Values),
        ["topk_smallest_dim0"] = (s => s.Distinct([4, 3]), x => x.TopK(2, dim: 0, largest: false).Values),
        ["sort_ascending"] = (s => s.Distinct([3, 5]), x => x.Sort().Values),
        ["sort_descending_dim0"] = (s => s.Distinct([4, 3]), x => x.Sort(0, descending: true).Values),
        ["var_all_unbiased"] = (s => s.Uniform([3, 4]), x => x.Var()),
        ["var_dim_biased_keepdim"] = (s => s.Uniform([3, 4]), x => x.Var([1], unbiased: false, keepDim: true)),
        ["cumsum"] = (s => s.Uniform([3, 4]), x => x.Cumsum(1)),
    };

    public static TheoryData<string> ReductionOps => new(Reductions.Keys);

    [Theory]
    [MemberData(nameof(ReductionOps))]
    public void Should_match_finite_differences_When_reduction_is(string op)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 301);
        var (input, function) = Reductions[op];
        var x = input(samples);

        // When
        var result = GradCheck.FirstOrder(inputs => function(inputs[0]), x);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }
}
