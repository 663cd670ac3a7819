namespace Bulwark.Data;

/// <summary>
/// MNIST handwritten digits (LeCun et al., 1998): 60 000 training and 10 000 test images, 1 × 28 × 28, ten classes.
/// Read from <c>&lt;dataDir&gt;/mnist</c>, which <c>bulwark data install mnist</c> fills.
/// </summary>
public static class Mnist
{
    /// <summary>The folder under the data directory that holds the four IDX files.</summary>
    public const string FolderName = "mnist";

    internal static IdxImageDataset Layout { get; } =
        new("MNIST", FolderName, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

    /// <summary>The class names, the digits "0" to "9".</summary>
    public static IReadOnlyList<string> ClassNames => Layout.ClassNames;

    /// <summary>
    /// Loads the training set (<c>train-*</c>) or the test set (<c>t10k-*</c>): images <c>[N, 1, 28, 28]</c>,
    /// batches scaled to [0, 1]. Each file may be raw or gzipped.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says where it was expected and how to install it.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, or the images and labels do not match.</exception>
    public static TensorDataset Load(string dataDir, bool train = true) => Layout.Load(dataDir, train);

    /// <summary>Whether the four files are present under <paramref name="dataDir"/> (they are not parsed).</summary>
    public static bool IsInstalled(string dataDir) => Layout.IsInstalled(dataDir);
}
