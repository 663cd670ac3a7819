namespace Bulwark.Data.Tests;

/// <summary>
/// A fact that runs only when MNIST is installed in the resolved data directory (see <see cref="DataDirectory.Resolve"/>);
/// otherwise it is reported as skipped, with the command that installs the data.
/// </summary>
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
