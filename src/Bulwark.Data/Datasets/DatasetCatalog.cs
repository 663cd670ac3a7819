namespace Bulwark.Data;

/// <summary>The known datasets by name, for command lines and configs: <c>mnist</c>, <c>fashion-mnist</c>, <c>cifar10</c>, <c>cifar100</c>.</summary>
public static class DatasetCatalog
{
    /// <summary>The canonical names, in the order a help text lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [Mnist.FolderName, FashionMnist.FolderName, "cifar10", "cifar100"];

    /// <summary>
    /// The per-channel mean and standard deviation of a dataset's training images (pixels in [0, 1]), its usual
    /// standardisation; null for an unknown name.
    /// </summary>
    public static Normalize? Statistics(string name) => Canonical(name) switch
    {
        Mnist.FolderName => Normalize.Mnist,
        FashionMnist.FolderName => new([0.2860], [0.3530]),
        "cifar10" => Normalize.Cifar10,
        "cifar100" => new([0.5071, 0.4865, 0.4409], [0.2673, 0.2564, 0.2762]),
        _ => null,
    };

    /// <summary>Loads dataset <paramref name="name"/> (case-insensitive; <c>cifar-10</c> and <c>fashion_mnist</c> work too) from <paramref name="dataDir"/>.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="dataDir">The data directory (see <see cref="DataDirectory.Resolve(string?)"/>).</param>
    /// <param name="train">The training set, or else the test set.</param>
    /// <param name="limit">Keep only the first <paramref name="limit"/> samples (quick runs, or the usual first 1000 test images).</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a known dataset.</exception>
    /// <exception cref="FileNotFoundException">The dataset's files are missing; the message says where they were expected and how to get them.</exception>
    public static TensorDataset Load(string name, string dataDir, bool train, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "the sample limit must not be negative");
        }

        var dataset = Canonical(name) switch
        {
            Mnist.FolderName => Mnist.Load(dataDir, train),
            FashionMnist.FolderName => FashionMnist.Load(dataDir, train),
            "cifar10" => Cifar10.Load(dataDir, train),
            "cifar100" => Cifar100.Load(dataDir, train),
            _ => throw new ArgumentException($"'{name}' is not a known dataset; known: {string.Join(", ", Names)}", nameof(name)),
        };
        if (limit is not { } count || count >= dataset.Count)
        {
            return dataset;
        }

        using (dataset)
        {
            return dataset.Take(count);
        }
    }

    private static string Canonical(string name) =>
        name.Trim().ToLowerInvariant().Replace('_', '-') switch
        {
            "fashionmnist" => FashionMnist.FolderName,
            "cifar-10" => "cifar10",
            "cifar-100" => "cifar100",
            var other => other,
        };
}
