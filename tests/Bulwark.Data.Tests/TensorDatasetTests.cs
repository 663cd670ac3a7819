using Bulwark.Torch;

namespace Bulwark.Data.Tests;

public sealed class TensorDatasetTests
{
    /// <summary>N images of 1×2×2 whose pixels all equal the index, labelled index mod 10.</summary>
    internal static TensorDataset Numbered(int count)
    {
        using var scope = TensorScope.Begin();
        var pixels = Enumerable.Range(0, count).SelectMany(i => Enumerable.Repeat((byte)i, 4)).ToArray();
        var images = Torch.Torch.FromArray(pixels, count, 1, 2, 2);
        var labels = Torch.Torch.FromArray(Enumerable.Range(0, count).Select(i => (long)(i % 10)).ToArray(), count);
        return new TensorDataset(images, labels, "numbered");
    }

    [Fact]
    public void Should_scale_bytes_to_unit_interval_When_making_a_batch()
    {
        // Given uint8 images 0, 1, …, 255
        using var scope = TensorScope.Begin();
        using var dataset = Numbered(256);

        // When samples 255, 0 and 51 are batched
        var (images, labels) = dataset.Batch([255, 0, 51]);

        // Then the batch is float32 [3, 1, 2, 2] with value/255 and int64 labels
        images.DType.ShouldBe(DType.Float32);
        images.Shape.ShouldBe([3L, 1L, 2L, 2L]);
        images.ToArray<float>().ShouldBe([1f, 1f, 1f, 1f, 0f, 0f, 0f, 0f, 0.2f, 0.2f, 0.2f, 0.2f]);
        labels.DType.ShouldBe(DType.Int64);
        labels.ToArray<long>().ShouldBe([5L, 0L, 1L]);
        dataset.StoresBytes.ShouldBeTrue();
        dataset.ImageShape.ShouldBe([1L, 2L, 2L]);
        dataset.ClassCount.ShouldBe(10);
    }

    [Fact]
    public void Should_map_positions_through_the_subset_When_batching_a_subset_of_a_subset()
    {
        using var scope = TensorScope.Begin();
        using var dataset = Numbered(20);
        using var subset = dataset.Subset([10L, 11L, 12L, 13L, 14L]);
        using var inner = subset.Subset([4L, 0L]);

        var batch = inner.Batch([0L, 1L, 0L]);

        inner.Count.ShouldBe(2);
        batch.Labels.ToArray<long>().ShouldBe([4L, 0L, 4L]);
        inner.GetLabels().ShouldBe([4L, 0L]);
        batch.Images.ToArray<float>()[0].ShouldBe(14 / 255f);
    }

    [Fact]
    public void Should_keep_the_data_alive_When_the_source_dataset_is_disposed_before_its_subset()
    {
        using var scope = TensorScope.Begin();
        TensorDataset subset;
        using (var dataset = Numbered(8))
        {
            subset = dataset.Take(3);
        }

        using (subset)
        {
            subset.All().Labels.ToArray<long>().ShouldBe([0L, 1L, 2L]);
        }
    }

    [Fact]
    public void Should_throw_When_an_index_is_out_of_range()
    {
        using var dataset = Numbered(5);

        Should.Throw<ArgumentOutOfRangeException>(() => dataset.Subset([5L]));
        Should.Throw<ArgumentOutOfRangeException>(() => dataset.Batch([-1L]));
    }

    [Fact]
    public void Should_reject_images_When_they_are_not_four_dimensional()
    {
        using var scope = TensorScope.Begin();
        var images = Torch.Torch.Zeros(3, 28, 28);
        var labels = Torch.Torch.Zeros([3], DType.Int64);

        var error = Should.Throw<ArgumentException>(() => new TensorDataset(images, labels));

        error.Message.ShouldContain("[N, C, H, W]");
    }

    [Fact]
    public void Should_reject_labels_When_they_are_negative_or_exceed_the_class_names()
    {
        using var scope = TensorScope.Begin();
        var images = Torch.Torch.Zeros(3, 1, 2, 2);

        Should.Throw<ArgumentException>(() => new TensorDataset(images, Torch.Torch.TensorOf(0L, -1L, 2L)))
            .Message.ShouldContain("-1");
        Should.Throw<ArgumentException>(() => new TensorDataset(images, Torch.Torch.TensorOf(0L, 1L, 2L), classNames: ["cat", "dog"]))
            .Message.ShouldContain("2 class names");
        using var fromInt32 = new TensorDataset(images, Torch.Torch.TensorOf(0, 4, 2));
        fromInt32.ClassCount.ShouldBe(5);
    }

    [Fact]
    public void Should_load_MNIST_layout_with_channel_dimension_When_files_are_gzipped()
    {
        // Given a small synthetic MNIST folder of gzipped files
        using var folder = new TempFolder();
        Formats.WriteMnistLayout(Path.Combine(folder.Path, Mnist.FolderName), trainCount: 12, testCount: 5, gzip: true);

        // When both splits are loaded
        using var scope = TensorScope.Begin();
        using var train = Mnist.Load(folder.Path, train: true);
        using var test = Mnist.Load(folder.Path, train: false);

        // Then they have the files' sizes, a channel dimension, and the MNIST class names
        train.Count.ShouldBe(12);
        test.Count.ShouldBe(5);
        train.ImageShape.ShouldBe([1L, 4L, 4L]);
        train.ClassNames.ShouldBe(Mnist.ClassNames);
        test.All().Labels.ToArray<long>().ShouldBe([0L, 1L, 2L, 3L, 4L]);
        Mnist.IsInstalled(folder.Path).ShouldBeTrue();
        FashionMnist.IsInstalled(folder.Path).ShouldBeFalse();
    }

    [Fact]
    public void Should_say_which_file_was_expected_where_When_MNIST_is_missing()
    {
        using var folder = new TempFolder();

        var error = Should.Throw<FileNotFoundException>(() => Mnist.Load(folder.Path, train: true));

        error.Message.ShouldContain(Path.Combine(folder.Path, "mnist", "train-images-idx3-ubyte"));
        error.Message.ShouldContain("bulwark data install mnist");
    }

    [Fact]
    public void Should_name_both_files_When_labels_and_images_disagree_in_count()
    {
        using var folder = new TempFolder();
        var dir = Path.Combine(folder.Path, FashionMnist.FolderName);
        Formats.WriteMnistLayout(dir, trainCount: 6, testCount: 2);
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), Formats.IdxBytes([3], [0, 1, 2]));

        var error = Should.Throw<InvalidDataException>(() => FashionMnist.Load(folder.Path, train: false));

        error.Message.ShouldContain("t10k-labels-idx1-ubyte");
        error.Message.ShouldContain("t10k-images-idx3-ubyte");
    }
}
