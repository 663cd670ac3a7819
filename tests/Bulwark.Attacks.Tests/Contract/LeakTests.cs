namespace Bulwark.Attacks.Tests.Contract;

using Torch = Bulwark.Torch.Torch;

/// <summary>An attack frees every tensor it makes; what it returns, the result frees when disposed.</summary>
[Collection(LeakCheckCollection.Name)]
public sealed class LeakTests
{
    public static TheoryData<string, string> Entries => AttackTable.NamesAndTargets();

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_leave_no_tensor_alive_When_the_result_is_disposed(string entry, string target)
    {
        // Given
        using var given = TestTarget.Create(target);
        var attack = AttackTable.Get(entry).Create();
        var epsilons = AttackTable.Epsilons(attack.Norm);
        var criterion = new Misclassification(given.Labels);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Torch.LiveTensors;

        // When
        attack.Run(given.Model, given.Inputs, criterion, epsilons).Dispose();

        // Then: read without collecting, so that a tensor dropped instead of disposed counts
        (Torch.LiveTensors - before).ShouldBe(0, $"{entry} on {target} left tensors alive");
    }
}
