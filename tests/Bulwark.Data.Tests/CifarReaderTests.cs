using Bulwark.Torch;

namespace Bulwark.Data.Tests;

public sealed class CifarReaderTests
{
    [Fact]
    public void Should_parse_labels_and_planar_pixels_When_reading_CIFAR10_records()
    {
        // Given two CIFAR-10 files of 3 and 2 records
        using var folder = new TempFolder();
        var first = folder.Write("data_batch_1.bin", Formats.Cifar(3, i => [(byte)(9 - i)]));
        var second = folder.Write("data_batch_2.bin", Formats.Cifar(2, i => [(byte)i]));

        // When they are read together
        using var records = CifarReader.ReadCifar10(first, second);

        // Then records are concatenated in order, images [N, 3, 32, 32] uint8 with the file's R, G, B planes
        records.Count.ShouldBe(5);
        records.CoarseLabels.ShouldBeNull();
        records.Labels.DType.ShouldBe(DType.Int64);
        records.Labels.ToArray<long>().ShouldBe([9L, 8L, 7L, 0L, 1L]);
        records.Images.DType.ShouldBe(DType.UInt8);
        records.Images.Shape.ShouldBe([5L, 3L, 32L, 32L]);
        var pixels = records.Images.ToArray<byte>();
        pixels[(1 * 3072) + (1 * 1024) + (2 * 32) + 5].ShouldBe(Formats.Pixel(1, 1024 + 64 + 5));   // record 1, green, row 2, column 5
        pixels[(3 * 3072) + 3071].ShouldBe(Formats.Pixel(0, 3071));                                   // first record of the second file
    }

    [Fact]
    public void Should_parse_coarse_and_fine_labels_When_reading_CIFAR100_records()
    {
        using var folder = new TempFolder();
        var path = folder.Write("train.bin", Formats.Cifar(4, i => [(byte)(19 - i), (byte)(90 + i)]));

        using var records = CifarReader.ReadCifar100(path);

        records.CoarseLabels.ShouldNotBeNull().ToArray<long>().ShouldBe([19L, 18L, 17L, 16L]);
        records.Labels.ToArray<long>().ShouldBe([90L, 91L, 92L, 93L]);
        records.Images.Shape.ShouldBe([4L, 3L, 32L, 32L]);
        records.Images.ToArray<byte>()[(2 * 3072) + 100].ShouldBe(Formats.Pixel(2, 100));
    }

    [Fact]
    public void Should_throw_naming_the_file_When_CIFAR10_file_is_truncated()
    {
        // Given two whole records and half of a third
        using var folder = new TempFolder();
        var whole = Formats.Cifar(3, _ => [1]);
        var path = folder.Write("data_batch_3.bin", whole[..(whole.Length - 1500)]);

        var error = Should.Throw<InvalidDataException>(() => CifarReader.ReadCifar10(path));

        error.Message.ShouldContain(path);
        error.Message.ShouldContain("truncated");
        error.Message.ShouldContain("3,073-byte records");
    }

    [Fact]
    public void Should_throw_naming_the_file_When_a_label_is_out_of_range()
    {
        // Given a CIFAR-10 file whose second record has label 10
        using var folder = new TempFolder();
        var path = folder.Write("data_batch_4.bin", Formats.Cifar(3, i => [(byte)(i == 1 ? 10 : 0)]));

        var error = Should.Throw<InvalidDataException>(() => CifarReader.ReadCifar10(path));

        error.Message.ShouldContain(path);
        error.Message.ShouldContain("record 1");
        error.Message.ShouldContain("0–9");
    }

    [Fact]
    public void Should_throw_naming_the_file_When_CIFAR_file_is_missing()
    {
        using var folder = new TempFolder();
        var path = folder.File("test_batch.bin");

        var error = Should.Throw<FileNotFoundException>(() => CifarReader.ReadCifar10(path));

        error.Message.ShouldContain(path);
    }

    [Fact]
    public void Should_load_CIFAR10_dataset_When_batch_files_are_in_the_standard_folder()
    {
        // Given a data directory with a synthetic CIFAR-10 test batch
        using var folder = new TempFolder();
        folder.Write(Path.Combine(Cifar10.FolderName, "test_batch.bin"), Formats.Cifar(3, i => [(byte)i]));

        // When the test set is loaded
        using var test = Cifar10.Load(folder.Path, train: false);
        using var batch = test.All();

        // Then images are float32 [3, 3, 32, 32] scaled to [0, 1]
        test.Count.ShouldBe(3);
        test.ClassNames[0].ShouldBe("airplane");
        batch.Images.Shape.ShouldBe([3L, 3L, 32L, 32L]);
        batch.Images.ToArray<float>()[(2 * 3072) + 10].ShouldBe(Formats.Pixel(2, 10) / 255f);
        batch.Labels.ToArray<long>().ShouldBe([0L, 1L, 2L]);
    }

    [Fact]
    public void Should_say_where_the_file_was_expected_When_CIFAR10_is_not_there()
    {
        using var folder = new TempFolder();

        var error = Should.Throw<FileNotFoundException>(() => Cifar10.Load(folder.Path, train: true));

        error.Message.ShouldContain(Path.Combine(folder.Path, Cifar10.FolderName, "data_batch_1.bin"));
        error.Message.ShouldContain("cifar-10-binary.tar.gz");
    }
}
