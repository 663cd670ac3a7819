namespace Bulwark.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): Zalando's article images, a drop-in replacement for MNIST with
/// the same sizes and file names. Read from <c>&lt;dataDir&gt;/fashion-mnist</c>, which
/// <c>bulwark data install fashion-mnist</c> fills.
/// </summary>
public static class FashionMnist
{
    /// <summary>The folder under the data directory that holds the four IDX files.</summary>
    public const string FolderName = "fashion-mnist";

    internal static IdxImageDataset Layout { get; } = new(
        "Fashion-MNIST",
        FolderName,
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);

    /// <summary>The class names, in label order.</summary>
    public static IReadOnlyList<string> ClassNames => Layout.ClassNames;

    /// <inheritdoc cref="Mnist.Load(string, bool)"/>
    public static TensorDataset Load(string dataDir, bool train = true) => Layout.Load(dataDir, train);

    /// <inheritdoc cref="Mnist.IsInstalled(string)"/>
    public static bool IsInstalled(string dataDir) => Layout.IsInstalled(dataDir);
}
