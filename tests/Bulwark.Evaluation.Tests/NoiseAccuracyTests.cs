using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation.Tests;

public sealed class NoiseAccuracyTests
{
    [Theory]
    [InlineData(NoiseDistribution.Gaussian)]
    [InlineData(NoiseDistribution.Uniform)]
    public void Should_equal_clean_accuracy_When_the_classifier_ignores_its_input(NoiseDistribution distribution)
    {
        // Given: always class 1; labels give clean accuracy 3/5
        using var scope = TensorScope.Begin();
        var inputs = Torch.Torch.Rand([5, 1, 3, 3], dtype: DType.Float64);
        var labels = Torch.Torch.FromArray(new long[] { 1, 1, 0, 2, 1 }, 5);
        var model = Classifiers.Model(x => Classifiers.Constant(x));

        // When
        var noise = NoiseAccuracy.Measure(model, inputs, labels, distribution, [0, 0.1, 0.5, 2]);

        // Then
        noise.CleanAccuracy.ShouldBe(0.6);
        noise.Accuracy.ShouldAllBe(a => a == 0.6);
        noise.UnclippedAccuracy.ShouldAllBe(a => a == 0.6);
        noise.Distribution.ShouldBe(distribution);
    }

    [Theory]
    [InlineData(NoiseDistribution.Gaussian)]
    [InlineData(NoiseDistribution.Uniform)]
    public void Should_keep_inputs_in_the_box_only_When_clipping(NoiseDistribution distribution)
    {
        // Given: class 1 iff every value lies in [0, 1]; inputs inside, all labelled 1
        using var scope = TensorScope.Begin();
        using var generator = new Generator(2);
        var inputs = Torch.Torch.Rand([64, 1, 4, 4], generator, DType.Float64).Mul(0.6).Add(0.2);
        var labels = Torch.Torch.Ones([64], DType.Int64);
        var model = Classifiers.Model(Classifiers.InsideUnitBox);

        // When
        var noise = NoiseAccuracy.Measure(model, inputs, labels, distribution, [0, 1], batchSize: 20);

        // Then: clipped noisy inputs stay in the box; unclipped ones leave it once σ is large
        noise.Accuracy.ShouldBe([1.0, 1.0]);
        noise.UnclippedAccuracy[0].ShouldBe(1);
        noise.UnclippedAccuracy[1].ShouldBeLessThan(0.1);
    }

    [Theory]
    [InlineData(NoiseDistribution.Gaussian)]
    [InlineData(NoiseDistribution.Uniform)]
    public void Should_have_standard_deviation_sigma_When_drawing_noise(NoiseDistribution distribution)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(1);
        var like = Torch.Torch.Zeros([1000, 100], DType.Float64);

        // When
        var noise = NoiseAccuracy.Sample(like, distribution, 0.2, generator);

        // Then: 10⁵ values: the standard deviation is within 1% of σ, the mean near 0
        var values = noise.ToArray<double>();
        var mean = values.Average();
        var deviation = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
        deviation.ShouldBe(0.2, 0.002);
        mean.ShouldBe(0, 0.002);
        if (distribution == NoiseDistribution.Uniform)
        {
            values.ShouldAllBe(v => Math.Abs(v) <= Math.Sqrt(3) * 0.2);
            values.Max().ShouldBeGreaterThan(Math.Sqrt(3) * 0.2 * 0.99);
        }
    }

    [Fact]
    public void Should_give_the_same_accuracies_When_run_twice_with_one_seed()
    {
        // Given: a classifier that reacts to noise
        using var scope = TensorScope.Begin();
        var inputs = Torch.Torch.Full([100, 1, 2, 2], 0.5, DType.Float64);
        var labels = Torch.Torch.Zeros([100], DType.Int64);
        var model = Classifiers.Model(Classifiers.Ball(0.3, center: 0.5), new Bounds(0, 1));

        // When
        var first = NoiseAccuracy.Measure(model, inputs, labels, NoiseDistribution.Gaussian, [0.1, 0.2], seed: 8);
        var again = NoiseAccuracy.Measure(model, inputs, labels, NoiseDistribution.Gaussian, [0.1, 0.2], seed: 8);

        // Then
        again.Accuracy.ShouldBe(first.Accuracy);
        again.UnclippedAccuracy.ShouldBe(first.UnclippedAccuracy);
        first.Accuracy.ShouldContain(a => a > 0 && a < 1);
    }

    [Fact]
    public void Should_throw_When_a_sigma_is_negative()
    {
        // Given
        using var scope = TensorScope.Begin();
        var inputs = Torch.Torch.Zeros([2, 1, 2, 2], DType.Float64);
        var labels = Torch.Torch.Zeros([2], DType.Int64);

        // When / Then
        Should.Throw<ArgumentException>(() =>
            NoiseAccuracy.Measure(Classifiers.Model(x => Classifiers.Constant(x)), inputs, labels, NoiseDistribution.Gaussian, [-0.1]));
    }
}
