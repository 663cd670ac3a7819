using Bulwark.Attacks;
using Bulwark.TestKit;
using Bulwark.Torch;

namespace Bulwark.Evaluation.Tests;

[Collection(LeakCheckCollection.Name)]
public sealed class LeakTests
{
    [Fact]
    public void Should_free_every_tensor_it_makes_When_measuring()
    {
        // Given
        using var inputs = Torch.Torch.Rand([20, 1, 3, 3], dtype: DType.Float64);
        using var labels = Torch.Torch.Zeros([20], DType.Int64);
        using var correct = Masks.Of([.. Enumerable.Range(0, 20).Select(i => i % 3 != 0)]);
        using var success = Masks.Of([.. Enumerable.Range(0, 20).Select(i => i % 2 == 0)]);
        using var norms = Masks.Values([.. Enumerable.Range(0, 20).Select(i => i * 0.1)]);
        using var adversarials = inputs.Add(0.01);
        var model = Classifiers.Model(Classifiers.Ball(1.0, center: 0.5));
        var guard = LeakGuard.Begin();

        // When
        _ = GaussianNoiseRobustness.Measure(model, inputs, new GaussianNoiseRobustnessOptions { SigmaCount = 5, BatchSize = 7 });
        _ = NoiseAccuracy.Measure(model, inputs, labels, NoiseDistribution.Uniform, [0.1, 0.2], batchSize: 7);
        _ = JacobianNorm.Measure(model, inputs, batchSize: 7);
        _ = CleanAccuracy.Measure(model, inputs, labels, batchSize: 7);
        _ = RobustAccuracyCurve.FromNorms(norms, correct, [0.5, 1]);
        _ = AttackSuccessRate.From(success, correct);
        _ = MinimumNormStatistics.From(norms, correct);
        _ = RhoAdv.From(inputs, adversarials, correct, success);

        // Then
        guard.AssertNoLeaks();
        model.Network.Dispose();
    }
}
