using System.CommandLine;

namespace Bulwark.Cli;

/// <summary>Options shared by every command.</summary>
internal static class CommonOptions
{
    /// <summary>Print one JSON object as the last line of stdout.</summary>
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the result as one JSON object on the last line of stdout",
        Recursive = true,
    };

    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Data directory (default: $BULWARK_DATA, else ~/.bulwark/data)",
    };

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "libtorch intra-op threads (default: all cores, or $BULWARK_THREADS)",
    };

    public static Option<double> Dropout() => new("--dropout")
    {
        Description = "Dropout where the architecture has one (mlp, madry-cnn, madry-cnn-bn, margin-lenet)",
    };

    /// <summary>Accepts only <paramref name="names"/> (or no value), with a one-line error that lists them, checked while parsing.</summary>
    public static void AcceptOnly<T>(Option<T> option, IReadOnlyList<string> names, string what)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>() is string name && !names.Contains(name))
            {
                result.AddError($"unknown {what} '{name}'; known: {string.Join(", ", names)}");
            }
        });
    }
}
