using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Norms;

using Torch = Bulwark.Torch.Torch;

public sealed class SteepestAscentTests
{
    public static TheoryData<string> Norms => new() { "linf", "l2", "l1", "l0", "pixel-l0" };

    /// <summary>ℓ∞, ℓ2 and ℓ1 with their dual norms: max over the unit ball of ⟨g, d⟩ is the dual norm of g.</summary>
    public static TheoryData<string> NormedSpaces => new() { "linf", "l2", "l1" };

    [Theory]
    [MemberData(nameof(Norms))]
    public void Should_have_unit_norm_When_the_gradient_is_not_zero(string name)
    {
        // Given
        var norm = Norm.Parse(name);
        using var gradient = Perturbations.Random(seed: 11);

        // When
        using var direction = norm.SteepestAscent(gradient);

        // Then
        using var norms = norm.Measure(direction);
        norms.Doubles().ShouldAllBe(v => Math.Abs(v - 1) < 1e-12);
    }

    [Theory]
    [MemberData(nameof(NormedSpaces))]
    public void Should_reach_the_dual_norm_of_the_gradient_When_taking_the_inner_product(string name)
    {
        // Given
        var norm = Norm.Parse(name);
        using var gradient = Perturbations.Random(seed: 12);
        var g = gradient.Doubles();

        // When
        using var direction = norm.SteepestAscent(gradient);

        // Then
        var d = direction.Doubles();
        for (var i = 0; i < Perturbations.Samples; i++)
        {
            var row = g.Row(i);
            var dual = name switch
            {
                "linf" => row.Sum(Math.Abs),
                "l2" => Math.Sqrt(row.Sum(v => v * v)),
                _ => row.Max(Math.Abs),
            };
            Perturbations.Dot(row, d.Row(i)).ShouldBe(dual, 1e-12, $"sample {i}");
        }
    }

    [Theory]
    [MemberData(nameof(NormedSpaces))]
    public void Should_beat_every_random_unit_vector_When_taking_the_inner_product_with_the_gradient(string name)
    {
        // Given: 500 random directions per sample, Gaussian, sparse and sign vectors, each scaled to unit norm
        var norm = Norm.Parse(name);
        using var scope = TensorScope.Begin();
        using var generator = new Generator(13);
        var gradient = Perturbations.Random(seed: 13);
        var direction = norm.SteepestAscent(gradient);
        var best = gradient.Mul(direction).Flatten(1).Sum(1).Doubles();
        var gaussian = Torch.Randn([500, Perturbations.Samples, 3, 4, 4], generator, DType.Float64);
        var sparse = gaussian.Mul(Torch.Rand(gaussian.Shape, generator, DType.Float64).Lt(0.1).To(DType.Float64));
        var signs = gaussian.Sign();
        var candidates = Torch.Cat([gaussian, sparse, signs]).Flatten(0, 1); // [1500·N, 3, 4, 4]
        var lengths = norm.Measure(candidates).Clamp(min: 1e-300).View(-1, 1, 1, 1);
        var units = candidates.Div(lengths);

        // When
        var products = units.Mul(gradient.Repeat(1500, 1, 1, 1)).Flatten(1).Sum(1).View(1500, Perturbations.Samples);
        var (largest, _) = products.Max(0);

        // Then
        var reached = largest.Doubles();
        for (var i = 0; i < Perturbations.Samples; i++)
        {
            reached[i].ShouldBeLessThanOrEqualTo(best[i] + 1e-12, $"sample {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Norms))]
    public void Should_return_a_zero_direction_When_the_gradient_is_zero(string name)
    {
        // Given
        var norm = Norm.Parse(name);
        using var gradient = Torch.Zeros([2, 3, 4, 4], DType.Float64);

        // When
        using var direction = norm.SteepestAscent(gradient);

        // Then
        direction.Doubles().ShouldAllBe(v => v == 0);
    }
}
