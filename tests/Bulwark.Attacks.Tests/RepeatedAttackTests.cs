using Bulwark.Attacks;

namespace Bulwark.Attacks.Tests;

public sealed class RepeatedAttackTests
{
    [Fact]
    public void Should_break_every_input_the_single_run_breaks_When_a_random_start_attack_is_repeated()
    {
        // Given: the first restart continues the same seeded stream, so it is the single run
        using var affine = new AffineClassifier(classes: 4);
        var margins = affine.MinimalNorms(Norm.Linf);
        var epsilon = margins.Order().ElementAt(margins.Length / 2);
        var pgd = new ProjectedGradientDescent(Norm.Linf, new PgdOptions { Steps = 5, RelativeStepSize = 0.3 });

        // When
        using var single = pgd.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels), [epsilon], seed: 11);
        using var repeated = pgd.Repeat(4).Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels), [epsilon], seed: 11);

        // Then
        var once = single.Success.ToArray<bool>();
        var best = repeated.Success.ToArray<bool>();
        for (var i = 0; i < once.Length; i++)
        {
            if (once[i])
            {
                best[i].ShouldBeTrue($"input {i} was broken by the single run but not by the repetition");
            }
        }

        best.Count(b => b).ShouldBeGreaterThanOrEqualTo(once.Count(b => b));
    }

    [Fact]
    public void Should_never_return_a_larger_norm_than_the_single_run_When_a_minimum_norm_attack_is_repeated()
    {
        // Given
        using var affine = new AffineClassifier(classes: 3);
        var noise = new AdditiveNoise(new AdditiveNoiseOptions { Directions = 2, Steps = 60, MaxNorm = 40 });

        // When
        using var single = noise.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels), seed: 5);
        var repeatedNoise = noise.Repeat(3);
        using var repeated = repeatedNoise.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels), [], seed: 5);

        // Then
        var once = single.Norms.ToArray<double>();
        var best = repeated.Norms.ToArray<double>();
        for (var i = 0; i < once.Length; i++)
        {
            best[i].ShouldBeLessThanOrEqualTo(once[i]);
        }

        repeatedNoise.Name.ShouldBe("gaussian-noise×3");
    }
}
