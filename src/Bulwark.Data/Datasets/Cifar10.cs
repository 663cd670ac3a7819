using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// CIFAR-10 (Krizhevsky, 2009): 50 000 training and 10 000 test colour images, 3 × 32 × 32, ten classes.
/// Read from the binary version, extracted into <c>&lt;dataDir&gt;/cifar-10-batches-bin</c>
/// (<c>data_batch_1.bin</c> … <c>data_batch_5.bin</c>, <c>test_batch.bin</c>).
/// </summary>
public static class Cifar10
{
    /// <summary>The folder under the data directory, as <c>cifar-10-binary.tar.gz</c> extracts it.</summary>
    public const string FolderName = "cifar-10-batches-bin";

    /// <summary>The class names, in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The batch files of the training set (<paramref name="train"/>) or of the test set.</summary>
    public static IReadOnlyList<string> FileNames(bool train) =>
        train ? [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")] : ["test_batch.bin"];

    /// <summary>Loads the training or test set: images <c>[N, 3, 32, 32]</c>, batches scaled to [0, 1].</summary>
    /// <exception cref="FileNotFoundException">A batch file is missing; the message says where it was expected and where to get it.</exception>
    /// <exception cref="InvalidDataException">A batch file is truncated or corrupt.</exception>
    public static TensorDataset Load(string dataDir, bool train = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        var paths = CifarFiles.Require(dataDir, FolderName, FileNames(train), "CIFAR-10", "cifar-10-binary.tar.gz");
        using var scope = TensorScope.Begin();
        using var records = CifarReader.ReadCifar10(paths);
        return new TensorDataset(records.Images, records.Labels, $"CIFAR-10 ({(train ? "train" : "test")})", ClassNames);
    }
}
