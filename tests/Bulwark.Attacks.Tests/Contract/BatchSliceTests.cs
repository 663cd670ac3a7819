using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Contract;

/// <summary>An input's result must not depend on its batch-mates, for attacks with no shared random stream.</summary>
public sealed class BatchSliceTests
{
    public static TheoryData<string, string> BatchIndependentEntries => AttackTable.NamesAndTargetsWhere((entry, _) => entry.BatchIndependent);

    [Theory]
    [MemberData(nameof(BatchIndependentEntries))]
    public void Should_equal_the_slice_of_the_whole_batchs_result_When_a_slice_is_attacked_alone(string entry, string target)
    {
        // Given: rows 2 to 5, among them row 3, which is misclassified before any attack
        using var given = TestTarget.Create(target);
        var attack = AttackTable.Get(entry).Create();
        var epsilons = AttackTable.Epsilons(attack.Norm);
        using var scope = TensorScope.Begin();
        var inputs = given.Inputs.Narrow(0, 2, 4).Contiguous();
        var labels = given.Labels.Narrow(0, 2, 4).Contiguous();

        // When
        using var whole = attack.Run(given.Model, given.Inputs, new Misclassification(given.Labels), epsilons);
        using var alone = attack.Run(given.Model, inputs, new Misclassification(labels), epsilons);

        // Then: equal up to the last bits that batched matrix products may round differently
        var tolerance = given.Inputs.DType == DType.Float64 ? 1e-12 : 1e-6;
        for (var i = 0; i < whole.Raw.Count; i++)
        {
            LargestDifference(alone.Raw[i], whole.Raw[i].Narrow(0, 2, 4)).ShouldBeLessThanOrEqualTo(tolerance, $"raw {i}");
        }

        for (var i = 0; i < epsilons.Length; i++)
        {
            LargestDifference(alone.Clipped[i], whole.Clipped[i].Narrow(0, 2, 4)).ShouldBeLessThanOrEqualTo(tolerance, $"clipped at ε = {epsilons[i]}");
        }

        alone.Success.ToArray<bool>().ShouldBe(whole.Success.Narrow(1, 2, 4).Contiguous().ToArray<bool>());
        var norms = alone.Norms.Doubles();
        var expected = whole.Norms.Narrow(0, 2, 4).Doubles();
        for (var i = 0; i < norms.Length; i++)
        {
            if (double.IsInfinity(expected[i]))
            {
                norms[i].ShouldBe(expected[i], $"norm of sample {i}");
            }
            else
            {
                norms[i].ShouldBe(expected[i], tolerance * (1 + expected[i]), $"norm of sample {i}");
            }
        }
    }

    private static double LargestDifference(Tensor a, Tensor b)
    {
        using var difference = a.Sub(b).Abs().Max();
        return difference.ToDouble();
    }
}
