using Bulwark.Attacks;

namespace Bulwark.Attacks.Tests.Noise;

public sealed class AdditiveNoiseTests
{
    [Theory]
    [InlineData(NoiseDistribution.Gaussian)]
    [InlineData(NoiseDistribution.Uniform)]
    public void Should_never_beat_the_true_minimum_and_always_succeed_When_noise_attacks_a_binary_affine_classifier(NoiseDistribution distribution)
    {
        // Given: a box far away, so no clipping, and a range of norms wide enough to cross every boundary
        using var affine = new AffineClassifier(classes: 2);
        var truth = affine.MinimalNorms(Norm.L2);
        var attack = new AdditiveNoise(new AdditiveNoiseOptions { Distribution = distribution, Directions = 5, Steps = 400, MaxNorm = truth.Max() * 40 });

        // When
        using var result = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels));

        // Then: a random direction can only be as good as the normal one (the closed-form minimum)
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        var found = result.Norms.ToArray<double>();
        for (var i = 0; i < truth.Length; i++)
        {
            found[i].ShouldBeGreaterThanOrEqualTo(truth[i] * (1 - 1e-9));
        }
    }

    [Fact]
    public void Should_give_the_same_result_When_run_twice_with_one_seed()
    {
        // Given
        using var affine = new AffineClassifier(classes: 3);
        var attack = new AdditiveNoise(new AdditiveNoiseOptions { Directions = 3, Steps = 50, MaxNorm = 30 });

        // When
        using var first = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels), seed: 7);
        using var second = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels), seed: 7);

        // Then
        first.Raw[0].Equal(second.Raw[0]).ShouldBeTrue();
    }
}
