using Bulwark.Torch;

namespace Bulwark.Data.Tests;

public sealed class DataLoaderTests
{
    /// <summary>A dataset whose labels are the sample indices, so a batch's labels say which samples it holds.</summary>
    private static TensorDataset Indexed(int count)
    {
        using var scope = TensorScope.Begin();
        var images = Torch.Torch.Arange(count, DType.Float32).Div(count).Reshape(count, 1, 1, 1);
        var labels = Torch.Torch.Arange(count);
        return new TensorDataset(images, labels, "indexed");
    }

    private static List<long[]> Batches(IEnumerable<DataBatch> batches) =>
        batches.Select(b => b.Labels.ToArray<long>()).ToList();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_visit_every_sample_exactly_once_When_an_epoch_runs(bool shuffle)
    {
        // Given 103 samples in batches of 10
        using var dataset = Indexed(103);
        var loader = new DataLoader(dataset, batchSize: 10, shuffle: shuffle, seed: 7);

        // When one epoch runs
        var batches = Batches(loader.ForEpoch(3));

        // Then there are 11 batches (the last of 3), covering 0..102 once each
        loader.BatchCount.ShouldBe(11);
        batches.Count.ShouldBe(11);
        batches.Take(10).ShouldAllBe(b => b.Length == 10);
        batches[^1].Length.ShouldBe(3);
        batches.SelectMany(b => b).Order().ShouldBe(Enumerable.Range(0, 103).Select(i => (long)i));
        if (!shuffle)
        {
            batches.SelectMany(b => b).ShouldBe(Enumerable.Range(0, 103).Select(i => (long)i));
        }
    }

    [Fact]
    public void Should_leave_out_the_short_batch_When_drop_last_is_set()
    {
        using var dataset = Indexed(103);
        var loader = new DataLoader(dataset, batchSize: 10, shuffle: true, seed: 7, dropLast: true);

        var batches = Batches(loader.ForEpoch(0));

        loader.BatchCount.ShouldBe(10);
        loader.SampleCount.ShouldBe(100);
        batches.Count.ShouldBe(10);
        batches.ShouldAllBe(b => b.Length == 10);
        batches.SelectMany(b => b).Distinct().Count().ShouldBe(100);
    }

    [Fact]
    public void Should_repeat_the_order_When_seed_and_epoch_are_the_same()
    {
        // Given two loaders built independently with the same seed, as after a restart
        using var dataset = Indexed(50);
        var first = new DataLoader(dataset, batchSize: 8, shuffle: true, seed: 123);
        var resumed = new DataLoader(dataset, batchSize: 8, shuffle: true, seed: 123) { Epoch = 4 };
        _ = Batches(first.ForEpoch(0));

        // Then epoch 4 has the same batches whichever way it is reached
        Batches(resumed).ShouldBe(Batches(first.ForEpoch(4)));
        resumed.Order(4).ShouldBe(first.Order(4));
    }

    [Fact]
    public void Should_change_the_order_When_epoch_or_seed_differs()
    {
        using var dataset = Indexed(50);
        var loader = new DataLoader(dataset, batchSize: 8, shuffle: true, seed: 123);
        var other = new DataLoader(dataset, batchSize: 8, shuffle: true, seed: 124);

        loader.Order(0).ShouldNotBe(loader.Order(1));
        loader.Order(0).ShouldNotBe(other.Order(0));
        loader.Order(0).ShouldNotBe(Enumerable.Range(0, 50).Select(i => (long)i).ToArray());
    }

    [Fact]
    public void Should_batch_positions_of_the_subset_When_loading_a_subset()
    {
        using var dataset = Indexed(30);
        using var evens = dataset.Subset(Enumerable.Range(0, 15).Select(i => 2 * i));
        var loader = new DataLoader(evens, batchSize: 4, shuffle: true, seed: 1);

        var labels = Batches(loader.ForEpoch(2)).SelectMany(b => b).Order().ToArray();

        labels.ShouldBe(Enumerable.Range(0, 15).Select(i => 2L * i));
    }

    [Fact]
    public void Should_return_float_images_matching_labels_When_enumerating()
    {
        using var dataset = Indexed(20);
        var loader = new DataLoader(dataset, batchSize: 6, shuffle: true, seed: 5);

        foreach (var (images, labels) in loader)
        {
            images.DType.ShouldBe(DType.Float32);
            images.Shape[1..].ShouldBe([1L, 1L, 1L]);
            images.ToArray<float>().ShouldBe(labels.ToArray<long>().Select(i => i / 20f).ToArray(), tolerance: 1e-7);
        }
    }

    [Fact]
    public void Should_reject_a_batch_size_When_it_is_not_positive()
    {
        using var dataset = Indexed(5);

        Should.Throw<ArgumentOutOfRangeException>(() => new DataLoader(dataset, batchSize: 0));
    }
}

[Collection(LeakCheckCollection.Name)]
public sealed class DataLoaderLeakTests
{
    [Fact]
    public void Should_free_every_batch_When_enumeration_finishes_or_stops_early()
    {
        // Given a dataset and a loader
        using var dataset = TensorDatasetTests.Numbered(40);
        var loader = new DataLoader(dataset, batchSize: 7, shuffle: true, seed: 9);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Torch.Torch.LiveTensors;

        // When a full epoch and a partial one run without disposing anything by hand
        foreach (var (images, labels) in loader.ForEpoch(0))
        {
            images.Sum().Dispose();
        }

        foreach (var batch in loader.ForEpoch(1))
        {
            break;
        }

        // Then no tensor outlives the loops
        Torch.Torch.LiveTensors.ShouldBe(before);
    }
}
