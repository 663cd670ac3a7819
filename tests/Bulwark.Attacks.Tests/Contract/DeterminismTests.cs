using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Contract;

/// <summary>Every attack is deterministic for a seed: the same call twice gives the same bits.</summary>
public sealed class DeterminismTests
{
    public static TheoryData<string, string> Entries => AttackTable.NamesAndTargets();

    public static TheoryData<string, string> RandomStartEntries =>
        AttackTable.NamesAndTargetsWhere((_, attack) => attack is ProjectedGradientDescent { Options.RandomStart: true });

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_return_bitwise_equal_results_When_run_twice_with_the_same_seed(string entry, string target)
    {
        // Given
        using var given = TestTarget.Create(target);
        var attack = AttackTable.Get(entry).Create();
        var epsilons = AttackTable.Epsilons(attack.Norm);
        var criterion = new Misclassification(given.Labels);

        // When
        using var first = attack.Run(given.Model, given.Inputs, criterion, epsilons, seed: 11);
        using var second = attack.Run(given.Model, given.Inputs, criterion, epsilons, seed: 11);

        // Then
        Bits(second).ShouldBe(Bits(first));
        second.GradientEvaluations.ShouldBe(first.GradientEvaluations);
    }

    [Theory]
    [MemberData(nameof(RandomStartEntries))]
    public void Should_start_from_another_random_point_When_the_seed_changes(string entry, string target)
    {
        // Given
        using var given = TestTarget.Create(target);
        var attack = AttackTable.Get(entry).Create();
        var epsilons = AttackTable.Epsilons(attack.Norm);
        var criterion = new Misclassification(given.Labels);

        // When
        using var first = attack.Run(given.Model, given.Inputs, criterion, epsilons, seed: 11);
        using var second = attack.Run(given.Model, given.Inputs, criterion, epsilons, seed: 12);

        // Then
        second.Raw[^1].ToBytes().ShouldNotBe(first.Raw[^1].ToBytes());
    }

    private static List<byte[]> Bits(AttackResult result) =>
        [.. result.Raw.Concat(result.Clipped).Append(result.Success).Append(result.RawSuccess).Append(result.Norms).Select(t => t.ToBytes())];
}
