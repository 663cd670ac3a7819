using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// The layout shared by MNIST and Fashion-MNIST: a folder under the data directory holding four IDX files,
/// each raw or with <c>.gz</c> appended. Used by the loaders and by <see cref="DataInstaller"/>.
/// </summary>
internal sealed record IdxImageDataset(string DisplayName, string FolderName, IReadOnlyList<string> ClassNames)
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    public static IReadOnlyList<string> FileNames { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    public string Folder(string dataDir) => Path.Combine(dataDir, FolderName);

    /// <summary>The path of <paramref name="fileName"/> in <paramref name="folder"/>, raw or gzipped, or null if neither exists.</summary>
    public static string? Find(string folder, string fileName)
    {
        var raw = Path.Combine(folder, fileName);
        if (File.Exists(raw))
        {
            return raw;
        }

        var compressed = raw + ".gz";
        return File.Exists(compressed) ? compressed : null;
    }

    public bool IsInstalled(string dataDir)
    {
        var folder = Folder(dataDir);
        return FileNames.All(name => Find(folder, name) is not null);
    }

    public TensorDataset Load(string dataDir, bool train)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        var split = train ? "train" : "test";
        var imagesPath = Require(dataDir, train ? TrainImages : TestImages, $"{split} images");
        var labelsPath = Require(dataDir, train ? TrainLabels : TestLabels, $"{split} labels");

        using var scope = TensorScope.Begin();
        var images = IdxReader.Read(imagesPath);
        var labels = IdxReader.Read(labelsPath);
        CheckPair(images, imagesPath, labels, labelsPath, ClassNames.Count);
        return new TensorDataset(images.Unsqueeze(1), labels, $"{DisplayName} ({split})", ClassNames);
    }

    /// <summary>Checks that an images file and a labels file belong together: uint8 [N, H, W] and uint8 [N] with labels below <paramref name="classCount"/>.</summary>
    public static void CheckPair(Tensor images, string imagesPath, Tensor labels, string labelsPath, int classCount)
    {
        var imageShape = images.Shape;
        if (images.DType != DType.UInt8 || imageShape.Length != 3)
        {
            throw new InvalidDataException(
                $"'{imagesPath}' does not hold images: expected unsigned bytes of shape [N, height, width], found {images.DType.ToTorchName()} [{string.Join(", ", imageShape)}].");
        }

        var labelShape = labels.Shape;
        if (labels.DType != DType.UInt8 || labelShape.Length != 1)
        {
            throw new InvalidDataException(
                $"'{labelsPath}' does not hold labels: expected unsigned bytes of shape [N], found {labels.DType.ToTorchName()} [{string.Join(", ", labelShape)}].");
        }

        if (labelShape[0] != imageShape[0])
        {
            throw new InvalidDataException(
                $"'{labelsPath}' holds {labelShape[0]} labels but '{imagesPath}' holds {imageShape[0]} images; the files do not belong together.");
        }

        if (labelShape[0] > 0)
        {
            using var max = labels.Max();
            var largest = max.ToInt64();
            if (largest >= classCount)
            {
                throw new InvalidDataException($"'{labelsPath}' holds the label {largest}, but this dataset's labels are 0–{classCount - 1}.");
            }
        }
    }

    private string Require(string dataDir, string fileName, string what)
    {
        var folder = Folder(dataDir);
        return Find(folder, fileName) ?? throw new FileNotFoundException(
            $"{DisplayName} {what} not found: expected '{Path.Combine(folder, fileName)}' (or the same name with '.gz'). " +
            $"Install it with `bulwark data install {FolderName} --data-dir \"{dataDir}\"`, or point --data-dir or " +
            $"{DataDirectory.EnvironmentVariable} at the folder that holds '{FolderName}/'.",
            Path.Combine(folder, fileName));
    }
}
