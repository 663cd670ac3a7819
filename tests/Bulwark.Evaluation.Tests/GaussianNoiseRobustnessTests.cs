using Bulwark.Data;
using Bulwark.Torch;

namespace Bulwark.Evaluation.Tests;

public sealed class GaussianNoiseRobustnessTests
{
    [Fact]
    public void Should_be_one_When_the_classifier_ignores_its_input()
    {
        // Given
        using var inputs = Torch.Torch.Rand([50, 1, 4, 4], dtype: DType.Float64);

        // When
        var gnr = GaussianNoiseRobustness.Measure(x => Classifiers.Constant(x), inputs);

        // Then
        gnr.Gnr.ShouldBe(1, 1e-12);
        gnr.Agreement.ShouldAllBe(a => a == 1);
        gnr.Sigmas.Count.ShouldBe(30);
        gnr.Total.ShouldBe(50);
    }

    [Fact]
    public void Should_use_the_reference_grid_When_the_options_are_the_defaults()
    {
        // When
        var grid = GaussianNoiseRobustness.SigmaGrid(new GaussianNoiseRobustnessOptions());

        // Then: linspace(0, 0.5, 30) and tol = (σ₁ − σ₀)/2 = 0.5/29/2
        grid.Length.ShouldBe(30);
        grid[0].ShouldBe(0f);
        grid[29].ShouldBe(0.5f);
        ((double)(grid[1] - grid[0]) / 2).ShouldBe(0.5 / 29 / 2, 1e-8);
    }

    [Theory]
    [InlineData(1.0, 5000)]
    [InlineData(2.0, 700)]
    public void Should_match_the_closed_form_area_When_the_prediction_flips_beyond_a_noise_norm(double inputRange, int batchSize)
    {
        // Given: all inputs 0 in n = 16 dimensions, class 0 while ‖x‖₂ < 0.8. Ring noise has ‖noise‖ = |s|·√n with
        // s ~ U(σr − tol, σr + tol), so the prediction is kept iff |s| < c = 0.8/4 = 0.2, with probability
        // |[σr − tol, σr + tol] ∩ (−c, c)| / (2·tol).
        const int count = 4000;
        const double c = 0.2;
        using var inputs = Torch.Torch.Zeros([count, 1, 4, 4], DType.Float64);
        var options = new GaussianNoiseRobustnessOptions { InputRange = inputRange, BatchSize = batchSize };

        // When
        var gnr = GaussianNoiseRobustness.Measure(Classifiers.Ball(c * 4), inputs, options);

        // Then
        var grid = GaussianNoiseRobustness.SigmaGrid(options);
        var tol = (double)((grid[1] - grid[0]) / 2f);
        var expected = grid.Select(s =>
        {
            var center = (double)(s * (float)inputRange);
            var overlap = Math.Min(center + tol, c) - Math.Max(center - tol, -c);
            return Math.Clamp(overlap / (2 * tol), 0, 1);
        }).ToArray();
        expected.Count(p => p is > 0 and < 1).ShouldBeGreaterThan(0, "the test must cross the threshold inside a ring");
        var sigmas = grid.Select(s => (double)s).ToArray();
        var allowed = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var standardError = Math.Sqrt(expected[i] * (1 - expected[i]) / count);
            gnr.Agreement[i].ShouldBe(expected[i], 5 * standardError + 1e-12, $"agreement at σ = {sigmas[i]}");
            var weight = ((i > 0 ? sigmas[i] - sigmas[i - 1] : 0) + (i < expected.Length - 1 ? sigmas[i + 1] - sigmas[i] : 0)) / 2 / 0.5;
            allowed += weight * 5 * standardError;
        }

        var closedForm = GaussianNoiseRobustness.Trapezoid(sigmas, expected) / 0.5;
        gnr.Gnr.ShouldBe(closedForm, allowed + 1e-12);
        gnr.InputRange.ShouldBe(inputRange);
    }

    [Fact]
    public void Should_give_the_same_curve_When_run_twice_with_one_seed()
    {
        // Given
        using var inputs = Torch.Torch.Zeros([500, 1, 4, 4], DType.Float64);
        var classifier = Classifiers.Ball(0.8);

        // When
        var first = GaussianNoiseRobustness.Measure(classifier, inputs, new GaussianNoiseRobustnessOptions { Seed = 3 });
        var again = GaussianNoiseRobustness.Measure(classifier, inputs, new GaussianNoiseRobustnessOptions { Seed = 3 });
        var other = GaussianNoiseRobustness.Measure(classifier, inputs, new GaussianNoiseRobustnessOptions { Seed = 4 });

        // Then
        again.Agreement.ShouldBe(first.Agreement);
        again.Gnr.ShouldBe(first.Gnr);
        other.Agreement.SequenceEqual(first.Agreement).ShouldBeFalse("another seed draws other noise");
    }

    [Fact]
    public void Should_make_noise_of_norm_s_times_root_n_When_drawing_a_ring()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(0);
        var like = Torch.Torch.Zeros([200, 3, 2, 2], DType.Float64);

        // When
        var ring = RingNoise.Sample(like, 0.3, 0.01, generator);
        var exact = RingNoise.Sample(like, 0.3, 0, generator);

        // Then: ‖noise‖/√12 = s ∈ [0.29, 0.31]; without tolerance exactly 0.3
        var scales = ring.NormPerSample(2).Div(Math.Sqrt(12)).ToArray<double>();
        scales.ShouldAllBe(s => s >= 0.29 - 1e-12 && s <= 0.31 + 1e-12);
        (scales.Max() - scales.Min()).ShouldBeGreaterThan(0.015, "s is drawn per sample");
        exact.NormPerSample(2).Div(Math.Sqrt(12)).ToArray<double>().ShouldAllBe(s => Math.Abs(s - 0.3) < 1e-12);
    }

    [Fact]
    public void Should_equal_noise_in_standardised_space_When_raw_inputs_come_with_the_std()
    {
        // Given: a classifier of standardised inputs z = (x − m)/std, and the same classifier of raw inputs
        using var scope = TensorScope.Begin();
        using var generator = new Generator(5);
        var mean = new[] { 0.5, 0.4 };
        var std = new[] { 0.5, 0.25 };
        var m = Torch.Torch.FromArray(mean, 1, 2, 1, 1);
        var s = Torch.Torch.FromArray(std, 1, 2, 1, 1);
        var raw = Torch.Torch.Rand([300, 2, 3, 3], generator, DType.Float64);
        var standardised = raw.Sub(m).Div(s);
        var ofStandardised = Classifiers.Ball(4.5);
        Func<Tensor, Tensor> ofRaw = x => ofStandardised(x.Sub(m).Div(s));

        // When
        var reference = GaussianNoiseRobustness.Measure(ofStandardised, standardised, new GaussianNoiseRobustnessOptions { InputRange = 3 });
        var viaStd = GaussianNoiseRobustness.Measure(ofRaw, raw, new GaussianNoiseRobustnessOptions { Std = std });

        // Then: r = mean(1/std) = 3 follows from the std, and the noise is the same after standardisation
        viaStd.InputRange.ShouldBe(3);
        reference.Agreement.Any(a => a < 1).ShouldBeTrue("the classifier must react to the noise for the test to mean anything");
        for (var i = 0; i < reference.Agreement.Count; i++)
        {
            viaStd.Agreement[i].ShouldBe(reference.Agreement[i], 1.0 / 300 + 1e-12);
        }
    }

    [Fact]
    public void Should_equal_the_tensor_version_When_measured_over_a_dataset()
    {
        // Given: float32 images in [0, 1], batches of 40 either way
        using var scope = TensorScope.Begin();
        using var generator = new Generator(9);
        var images = Torch.Torch.Rand([100, 1, 4, 4], generator);
        var labels = Torch.Torch.Zeros([100], DType.Int64);
        using var data = new TensorDataset(images, labels);
        var model = Classifiers.Model(Classifiers.Ball(2.2, center: 0.5));
        var options = new GaussianNoiseRobustnessOptions { BatchSize = 40 };

        // When
        var fromData = GaussianNoiseRobustness.Measure(model, data, options);
        var fromTensor = GaussianNoiseRobustness.Measure(model, images, options);

        // Then
        fromData.Agreement.ShouldBe(fromTensor.Agreement);
        fromData.Agreement.ShouldContain(a => a < 1);
    }

    [Fact]
    public void Should_integrate_with_the_trapezoidal_rule_When_computing_the_area()
    {
        // Given: y = x on [0, 2] in three uneven steps: area 2
        double[] x = [0, 0.5, 1.5, 2];

        // When
        var area = GaussianNoiseRobustness.Trapezoid(x, x);

        // Then
        area.ShouldBe(2, 1e-15);
    }

    [Fact]
    public void Should_throw_When_the_grid_has_fewer_than_two_sigmas()
    {
        // Given
        using var inputs = Torch.Torch.Zeros([2, 1, 2, 2], DType.Float64);

        // When / Then
        Should.Throw<ArgumentOutOfRangeException>(() =>
            GaussianNoiseRobustness.Measure(x => Classifiers.Constant(x), inputs, new GaussianNoiseRobustnessOptions { SigmaCount = 1 }));
    }
}
