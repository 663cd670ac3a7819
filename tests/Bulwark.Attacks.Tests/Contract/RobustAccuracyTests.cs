using Bulwark.Torch.Nn;

namespace Bulwark.Attacks.Tests.Contract;

/// <summary>Robust accuracy as a function of ε, the curve a fixed-ε attack draws in one call.</summary>
public sealed class RobustAccuracyTests
{
    [Theory]
    [InlineData("pgd-linf")]
    [InlineData("pgd-l2")]
    [InlineData("bim-linf")]
    public void Should_fall_monotonically_from_clean_accuracy_When_PGD_attacks_a_small_model_at_growing_epsilons(string entry)
    {
        // Given: 64 inputs, a quarter of them misclassified already, and nine radii from 0 to the table's largest
        using var given = TestTarget.Network("conv", new Sequential(new Conv2d(1, 4, 3, padding: 1), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(4 * 4 * 4, 10)), samples: 64);
        var attack = AttackTable.Get(entry).Create();
        var largest = AttackTable.Epsilons(attack.Norm)[^1];
        var epsilons = Enumerable.Range(0, 9).Select(i => largest * i / 8).ToArray();

        // When
        using var result = attack.Run(given.Model, given.Inputs, new Misclassification(given.Labels), epsilons);

        // Then
        var accuracy = result.RobustAccuracy();
        accuracy[0].ShouldBe(0.75);
        for (var i = 1; i < accuracy.Length; i++)
        {
            accuracy[i].ShouldBeLessThanOrEqualTo(accuracy[i - 1], $"robust accuracy [{string.Join(", ", accuracy)}] rises at ε = {epsilons[i]}");
        }

        accuracy[^1].ShouldBeLessThan(0.25, $"robust accuracy [{string.Join(", ", accuracy)}]");
    }
}
