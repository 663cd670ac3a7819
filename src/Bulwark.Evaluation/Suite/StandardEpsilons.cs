namespace Bulwark.Evaluation;

/// <summary>
/// The ε grids the standard suite attacks at, per dataset — the values the literature reports, each list starting
/// at 0 so that the ε = 0 sanity check runs:
/// <list type="table">
/// <listheader><term>dataset</term><description>ℓ∞ / ℓ2</description></listheader>
/// <item><term>mnist, fashion-mnist</term><description>ℓ∞ 0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4 (Madry et al.'s 0.3;
/// TRADES' 0.1/0.2) / ℓ2 0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0 (DDN's and Croce &amp; Hein's 1.0–2.0)</description></item>
/// <item><term>cifar10, cifar100</term><description>ℓ∞ 0, 2/255, 4/255, 8/255, 16/255 (RobustBench's 8/255) / ℓ2 0,
/// 0.25, 0.5, 1.0 (RobustBench's 0.5)</description></item>
/// </list>
/// Other datasets take the MNIST grids scaled to nothing: an unknown name is an error.
/// </summary>
public static class StandardEpsilons
{
    /// <summary>The ℓ∞ grid of <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentException">The dataset has no standard grid.</exception>
    public static IReadOnlyList<double> Linf(string dataset) => Family(dataset) switch
    {
        "mnist" => [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4],
        _ => [0, 2 / 255.0, 4 / 255.0, 8 / 255.0, 16 / 255.0],
    };

    /// <summary>The ℓ2 grid of <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentException">The dataset has no standard grid.</exception>
    public static IReadOnlyList<double> L2(string dataset) => Family(dataset) switch
    {
        "mnist" => [0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
        _ => [0, 0.25, 0.5, 1.0],
    };

    private static string Family(string dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var name = dataset.Trim().ToLowerInvariant().Replace('_', '-');
        // run configs written by older trainers hold the dataset's display name, e.g. "MNIST (train)"
        var first = name.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return first switch
        {
            "mnist" or "fashion-mnist" or "fashionmnist" => "mnist",
            "cifar10" or "cifar-10" or "cifar100" or "cifar-100" => "cifar",
            _ => throw new ArgumentException($"no standard ε grid for dataset '{dataset}'; known: mnist, fashion-mnist, cifar10, cifar100 (or give the grids in SuiteOptions)", nameof(dataset)),
        };
    }
}
