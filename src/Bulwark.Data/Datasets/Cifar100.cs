using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// CIFAR-100 (Krizhevsky, 2009): 50 000 training and 10 000 test colour images, 3 × 32 × 32, labelled with 100 fine
/// classes (the dataset's labels) and 20 coarse superclasses (see <see cref="CifarReader.ReadCifar100(string[])"/>).
/// Read from the binary version, extracted into <c>&lt;dataDir&gt;/cifar-100-binary</c> (<c>train.bin</c>, <c>test.bin</c>).
/// </summary>
public static class Cifar100
{
    /// <summary>The folder under the data directory, as <c>cifar-100-binary.tar.gz</c> extracts it.</summary>
    public const string FolderName = "cifar-100-binary";

    // The fine classes are named by number; the dataset's meta file (fine_label_names.txt) has the words.
    private static readonly string[] FineClassNames =
        [.. Enumerable.Range(0, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Loads the training or test set with its fine labels: images <c>[N, 3, 32, 32]</c>, batches scaled to [0, 1].</summary>
    /// <exception cref="FileNotFoundException">The file is missing; the message says where it was expected and where to get it.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt.</exception>
    public static TensorDataset Load(string dataDir, bool train = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        var paths = CifarFiles.Require(dataDir, FolderName, [train ? "train.bin" : "test.bin"], "CIFAR-100", "cifar-100-binary.tar.gz");
        using var scope = TensorScope.Begin();
        using var records = CifarReader.ReadCifar100(paths);
        return new TensorDataset(records.Images, records.Labels, $"CIFAR-100 ({(train ? "train" : "test")})", FineClassNames);
    }
}
