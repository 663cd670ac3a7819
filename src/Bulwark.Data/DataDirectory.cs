namespace Bulwark.Data;

/// <summary>
/// Where datasets live: the folder given explicitly (the CLI's <c>--data-dir</c>), else the <c>BULWARK_DATA</c>
/// environment variable, else <c>~/.bulwark/data</c>. Each dataset has its own folder below it (<c>mnist/</c>,
/// <c>fashion-mnist/</c>, <c>cifar-10-batches-bin/</c>).
/// </summary>
public static class DataDirectory
{
    /// <summary>The environment variable that names the data directory.</summary>
    public const string EnvironmentVariable = "BULWARK_DATA";

    /// <summary>The full path of the data directory; it need not exist yet.</summary>
    /// <param name="explicitDir">The folder the user named, or null or empty to fall back.</param>
    public static string Resolve(string? explicitDir) =>
        ResolveWith(explicitDir, Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>The rule itself, with the environment and the home folder passed in (for tests).</summary>
    internal static string ResolveWith(string? explicitDir, Func<string, string?> environment, string home) =>
        ResolveUserFolder(explicitDir, EnvironmentVariable, "data", environment, home)
        ?? throw new InvalidOperationException(
            $"cannot find a data directory: no --data-dir was given, {EnvironmentVariable} is not set, and the user has no home folder");

    /// <summary>
    /// The rule for every folder Bulwark keeps per user (data, the report's JavaScript): <paramref name="explicitDir"/>
    /// when given, else the environment variable <paramref name="environmentVariable"/>, else
    /// <c>~/.bulwark/<paramref name="name"/></c>, with a leading <c>~/</c> expanded; the full path, which need not exist.
    /// Null when none applies (nothing given, the variable unset and no home folder).
    /// </summary>
    /// <param name="explicitDir">The folder the user named, or null or empty to fall back.</param>
    /// <param name="environmentVariable">The variable that names the folder, e.g. <c>BULWARK_DATA</c>.</param>
    /// <param name="name">The folder's name under <c>~/.bulwark</c>.</param>
    /// <param name="environment">Reads an environment variable (default: the process's).</param>
    /// <param name="home">The user's home folder (default: the process's).</param>
    public static string? ResolveUserFolder(string? explicitDir, string environmentVariable, string name,
        Func<string, string?>? environment = null, string? home = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        home ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrWhiteSpace(explicitDir))
        {
            return Path.GetFullPath(ExpandHome(explicitDir, home));
        }

        var fromEnvironment = environment(environmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(ExpandHome(fromEnvironment, home));
        }

        return string.IsNullOrEmpty(home) ? null : Path.GetFullPath(Path.Combine(home, ".bulwark", name));
    }

    // A shell expands "~/data" on the command line, but not inside an environment variable or a config file.
    private static string ExpandHome(string path, string home) =>
        path == "~" ? home
        : path.StartsWith("~/", StringComparison.Ordinal) && !string.IsNullOrEmpty(home) ? Path.Combine(home, path[2..])
        : path;
}
