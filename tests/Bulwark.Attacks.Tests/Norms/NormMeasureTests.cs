using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Norms;

using Torch = Bulwark.Torch.Torch;

public sealed class NormMeasureTests
{
    [Fact]
    public void Should_count_a_pixel_once_across_its_channels_When_measuring_pixel_l0()
    {
        // Given: pixel (0, 0) changed in all three channels, (1, 2) in one, (3, 3) in two; the second sample unchanged
        using var scope = TensorScope.Begin();
        var values = new double[2 * 3 * 4 * 4];
        void Change(int channel, int row, int column) => values[(channel * 16) + (row * 4) + column] = 0.25;
        Change(0, 0, 0);
        Change(1, 0, 0);
        Change(2, 0, 0);
        Change(1, 1, 2);
        Change(0, 3, 3);
        Change(2, 3, 3);
        var delta = Torch.FromArray(values, 2, 3, 4, 4);

        // When
        var pixels = Norm.PixelL0.Measure(delta).Doubles();
        var entries = Norm.L0.Measure(delta).Doubles();

        // Then
        pixels.ShouldBe([3.0, 0.0]);
        entries.ShouldBe([6.0, 0.0]);
    }

    [Theory]
    [InlineData("linf")]
    [InlineData("l2")]
    [InlineData("l1")]
    [InlineData("l0")]
    public void Should_reduce_over_every_value_of_each_sample_When_measuring(string name)
    {
        // Given: a quarter of the values zero, so that ℓ0 has something to count
        using var scope = TensorScope.Begin();
        var values = Perturbations.Random(seed: 21).Doubles().Select((v, j) => j % 4 == 0 ? 0 : v).ToArray();
        var delta = Torch.FromArray(values, Perturbations.Samples, 3, 4, 4);

        // When
        var measured = Norm.Parse(name).Measure(delta).Doubles();

        // Then
        for (var i = 0; i < Perturbations.Samples; i++)
        {
            var row = values.Row(i);
            var expected = name switch
            {
                "linf" => row.Max(Math.Abs),
                "l2" => Math.Sqrt(row.Sum(v => v * v)),
                "l1" => row.Sum(Math.Abs),
                _ => row.Count(v => v != 0),
            };
            measured[i].ShouldBe(expected, 1e-12, $"sample {i}");
        }
    }
}
