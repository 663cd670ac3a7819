using Bulwark.Torch;

namespace Bulwark.Data.Tests;

public sealed class NormalizeTests
{
    [Fact]
    public void Should_standardise_each_channel_When_applied_to_a_batch()
    {
        // Given a batch of two 3-channel 1×2 images
        using var scope = TensorScope.Begin();
        float[] values = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f, 0.0f, 0.5f];
        var images = Torch.Torch.FromArray(values, 2, 3, 1, 2);
        var normalize = new Normalize([0.5, 0.4, 0.3], [0.1, 0.2, 0.5]);

        // When it is normalized
        var result = normalize.Apply(images).ToArray<float>();

        // Then element (n, c, h, w) is (x − mean[c]) / std[c]
        double[] mean = [0.5, 0.4, 0.3];
        double[] std = [0.1, 0.2, 0.5];
        var expected = values.Select((x, i) => (float)((x - mean[(i / 2) % 3]) / std[(i / 2) % 3])).ToArray();
        result.ShouldBe(expected, tolerance: 1e-5);
    }

    [Fact]
    public void Should_recover_the_input_When_inverse_follows_apply()
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(1);
        var images = Torch.Torch.Rand([4, 3, 5, 5], generator);
        var normalize = Normalize.Cifar10;

        var roundTrip = normalize.Inverse(normalize.Apply(images));
        var single = normalize.Apply(images[0]);

        roundTrip.AllClose(images, rtol: 0, atol: 1e-6).ShouldBeTrue();
        single.Shape.ShouldBe([3L, 5L, 5L]);
        single.AllClose(normalize.Apply(images)[0]).ShouldBeTrue();
    }

    [Fact]
    public void Should_throw_When_the_channel_count_does_not_match()
    {
        using var scope = TensorScope.Begin();
        var images = Torch.Torch.Zeros(2, 1, 4, 4);

        var error = Should.Throw<ArgumentException>(() => Normalize.Cifar10.Apply(images));

        error.Message.ShouldContain("[N, 3, H, W]");
    }

    [Fact]
    public void Should_throw_When_a_standard_deviation_is_not_positive()
    {
        Should.Throw<ArgumentException>(() => new Normalize([0.5], [0.0]));
        Should.Throw<ArgumentException>(() => new Normalize([0.5, 0.5], [0.2]));
    }
}
