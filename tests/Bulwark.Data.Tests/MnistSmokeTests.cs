using Bulwark.Torch;

namespace Bulwark.Data.Tests;

public sealed class MnistSmokeTests
{
    [MnistInstalledFact]
    public void Should_load_the_real_MNIST_test_set_When_it_is_installed()
    {
        // Given the installed MNIST
        var dataDir = DataDirectory.Resolve(null);

        // When the test set is loaded and batched
        using var scope = TensorScope.Begin();
        using var test = Mnist.Load(dataDir, train: false);
        var loader = new DataLoader(test, batchSize: 1000);
        var (images, labels) = test.All();

        // Then it has LeCun's sizes, pixels in [0, 1], all ten digits about equally often
        test.Count.ShouldBe(10_000);
        test.ImageShape.ShouldBe([1L, 28L, 28L]);
        loader.BatchCount.ShouldBe(10);
        images.Min().ToDouble().ShouldBe(0.0);
        images.Max().ToDouble().ShouldBe(1.0);
        images.Mean().ToDouble().ShouldBe(0.1325, tolerance: 0.002);
        var counts = labels.ToArray<long>().GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        counts.Keys.Order().ShouldBe([0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L]);
        counts.Values.ShouldAllBe(c => c > 800 && c < 1200);
    }
}
