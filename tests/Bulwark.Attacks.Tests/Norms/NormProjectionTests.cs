using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Norms;

using Torch = Bulwark.Torch.Torch;

public sealed class NormProjectionTests
{
    public static TheoryData<string, double> NormsAndRadii => new()
    {
        { "linf", 0.5 },
        { "l2", 2 },
        { "l1", 10 },
        { "l0", 5 },
        { "pixel-l0", 3 },
    };

    [Theory]
    [MemberData(nameof(NormsAndRadii))]
    public void Should_land_inside_the_ball_and_stay_there_When_projecting_twice(string name, double epsilon)
    {
        // Given
        var norm = Norm.Parse(name);
        using var delta = Perturbations.Random(seed: 1, scale: 2);

        // When
        using var once = norm.Project(delta, epsilon);
        using var twice = norm.Project(once, epsilon);

        // Then
        using var norms = norm.Measure(once);
        norms.Doubles().ShouldAllBe(v => v <= epsilon * (1 + 1e-12));
        norms.Doubles().ShouldAllBe(v => v > epsilon / 2, "every sample started outside the ball");
        twice.AllClose(once, rtol: 0, atol: 1e-12).ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(NormsAndRadii))]
    public void Should_leave_a_perturbation_unchanged_When_it_lies_inside_the_ball(string name, double epsilon)
    {
        // Given: a perturbation scaled into the ball, with a quarter of its values zero for the ℓ0 norms
        var norm = Norm.Parse(name);
        using var scope = TensorScope.Begin();
        var delta = Perturbations.Random(seed: 2);
        delta = norm.Name.Contains("l0") ? norm.Project(delta, epsilon) : delta.Mul(epsilon / norm.Measure(delta).Max().ToDouble() / 2);

        // When
        var projected = norm.Project(delta, epsilon);

        // Then
        projected.ToBytes().ShouldBe(delta.ToBytes());
    }

    [Fact]
    public void Should_rescale_to_the_radius_When_projecting_onto_the_l2_ball()
    {
        // Given
        using var delta = Perturbations.Random(seed: 3);
        var values = delta.Doubles();

        // When
        using var projected = Norm.L2.Project(delta, 1.5);

        // Then
        var result = projected.Doubles();
        for (var i = 0; i < Perturbations.Samples; i++)
        {
            var row = values.Row(i);
            var length = Math.Sqrt(row.Sum(v => v * v));
            result.Row(i).ShouldBe(row.Select(v => v * Math.Min(1, 1.5 / length)).ToArray(), tolerance: 1e-12);
        }
    }

    [Fact]
    public void Should_clamp_every_value_When_projecting_onto_the_linf_ball()
    {
        // Given
        using var delta = Perturbations.Random(seed: 4);

        // When
        using var projected = Norm.Linf.Project(delta, 0.3);

        // Then
        projected.Doubles().ShouldBe(delta.Doubles().Select(v => Math.Clamp(v, -0.3, 0.3)).ToArray());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(0.3)]
    [InlineData(0.7)]
    [InlineData(0.99)]
    public void Should_agree_with_a_bisection_oracle_When_projecting_onto_the_l1_ball(double fraction)
    {
        // Given: radii a fraction of each sample's ℓ1 norm, and ties and zeros in the last sample
        using var scope = TensorScope.Begin();
        var values = Perturbations.Random(seed: 5).Doubles();
        for (var j = 0; j < Perturbations.Values; j++)
        {
            values[((Perturbations.Samples - 1) * Perturbations.Values) + j] = (j % 4) switch { 0 => 0, 1 => 0.5, 2 => -0.5, _ => 1.25 };
        }

        var delta = Torch.FromArray(values, Perturbations.Samples, 3, 4, 4);
        var radii = Enumerable.Range(0, Perturbations.Samples).Select(i => values.Row(i).Sum(Math.Abs) * fraction).ToArray();

        // When
        var projected = Norm.L1.Project(delta, Torch.FromArray(radii, Perturbations.Samples)).Doubles();

        // Then
        for (var i = 0; i < Perturbations.Samples; i++)
        {
            projected.Row(i).ShouldBe(L1ProjectionOracle.Project(values.Row(i), radii[i]), tolerance: 1e-12, $"sample {i}");
        }
    }

    [Fact]
    public void Should_use_each_samples_own_radius_When_radii_are_given_per_sample()
    {
        // Given
        using var scope = TensorScope.Begin();
        var delta = Perturbations.Random(seed: 6);
        double[] radii = [0.5, 1, 1.5, 2, 2.5, 3];

        // When
        var projected = Norm.L2.Project(delta, Torch.FromArray(radii, Perturbations.Samples));

        // Then
        Norm.L2.Measure(projected).Doubles().ShouldBe(radii, tolerance: 1e-12);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(5.0)]
    [InlineData(5.7)]
    [InlineData(48.0)]
    public void Should_keep_the_k_largest_values_When_projecting_onto_the_l0_ball(double epsilon)
    {
        // Given
        using var delta = Perturbations.Random(seed: 7);
        var values = delta.Doubles();
        var k = (int)Math.Floor(epsilon);

        // When
        using var projected = Norm.L0.Project(delta, epsilon);

        // Then
        var result = projected.Doubles();
        for (var i = 0; i < Perturbations.Samples; i++)
        {
            var row = values.Row(i);
            var kept = row.Select((v, j) => (Magnitude: Math.Abs(v), Index: j)).OrderByDescending(p => p.Magnitude).Take(k)
                .Select(p => p.Index).ToHashSet();
            result.Row(i).ShouldBe(row.Select((v, j) => kept.Contains(j) ? v : 0).ToArray(), $"sample {i}");
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(3.0)]
    [InlineData(3.5)]
    [InlineData(16.0)]
    public void Should_keep_every_channel_of_the_k_pixels_that_change_most_When_projecting_onto_the_pixel_l0_ball(double epsilon)
    {
        // Given: a pixel's change is its largest channel change
        using var delta = Perturbations.Random(seed: 8);
        var values = delta.Doubles();
        var k = (int)Math.Floor(epsilon);
        const int pixels = 16;

        // When
        using var projected = Norm.PixelL0.Project(delta, epsilon);

        // Then
        var result = projected.Doubles();
        for (var i = 0; i < Perturbations.Samples; i++)
        {
            var row = values.Row(i);
            var kept = Enumerable.Range(0, pixels).OrderByDescending(p => Enumerable.Range(0, 3).Max(c => Math.Abs(row[(c * pixels) + p])))
                .Take(k).ToHashSet();
            result.Row(i).ShouldBe(row.Select((v, j) => kept.Contains(j % pixels) ? v : 0).ToArray(), $"sample {i}");
        }
    }
}
