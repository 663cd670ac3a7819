using Bulwark.Data;

namespace Bulwark.Cli.Tests;

/// <summary>A fact that runs only when MNIST is installed in the resolved data directory; otherwise it is skipped, saying how to install it.</summary>
public sealed class MnistInstalledFactAttribute : FactAttribute
{
    public MnistInstalledFactAttribute()
    {
        var dataDir = DataDirectory.Resolve(null);
        if (!Mnist.IsInstalled(dataDir))
        {
            Skip = $"MNIST is not installed in {dataDir}; run `bulwark data install mnist` (or set {DataDirectory.EnvironmentVariable}) to run this test.";
        }
    }
}
