using System.Text.Json;

namespace Bulwark.Evaluation;

/// <summary>
/// Where the report's JavaScript lives: the minified builds of vega, vega-lite and vega-embed that
/// <c>scripts/setup.sh</c> installs from npm, and that <see cref="HtmlReport"/> inlines into each page so that it
/// works offline. The folder is the one given explicitly, else the <c>BULWARK_JS</c> environment variable, else
/// <c>~/.bulwark/js</c>. Inside it each bundle is found as <c>node_modules/&lt;package&gt;/build/&lt;package&gt;.min.js</c>
/// (what <c>npm install</c> leaves) or as <c>&lt;package&gt;.min.js</c> directly in the folder.
/// </summary>
public static class VegaBundles
{
    /// <summary>The environment variable that names the JavaScript folder.</summary>
    public const string EnvironmentVariable = "BULWARK_JS";

    /// <summary>The packages, in the order a page must load them.</summary>
    internal static readonly string[] Packages = ["vega", "vega-lite", "vega-embed"];

    /// <summary>The full path of the JavaScript folder; it need not exist.</summary>
    /// <param name="explicitDir">The folder the caller named, or null or empty to fall back.</param>
    public static string Resolve(string? explicitDir) =>
        ResolveWith(explicitDir, Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>The rule itself, with the environment and the home folder passed in (for tests).</summary>
    internal static string ResolveWith(string? explicitDir, Func<string, string?> environment, string home) =>
        Bulwark.Data.DataDirectory.ResolveUserFolder(explicitDir, EnvironmentVariable, "js", environment, home)
        // no home folder: a relative path that exists nowhere, so the page says where to install the bundles
        ?? Path.GetFullPath(Path.Combine(".bulwark", "js"));

    /// <summary>The three bundles' text and versions from <paramref name="directory"/>, or null when one is missing.</summary>
    internal static LoadedBundles? Load(string directory)
    {
        var scripts = new List<LoadedBundle>(Packages.Length);
        foreach (var package in Packages)
        {
            var installed = Path.Combine(directory, "node_modules", package);
            var candidates = new[] { Path.Combine(installed, "build", package + ".min.js"), Path.Combine(directory, package + ".min.js") };
            var file = candidates.FirstOrDefault(File.Exists);
            if (file is null)
            {
                return null;
            }

            scripts.Add(new LoadedBundle(package, Version(Path.Combine(installed, "package.json")), File.ReadAllText(file)));
        }

        return new LoadedBundles(directory, scripts);
    }

    private static string? Version(string packageJson)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(packageJson));
            return document.RootElement.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.String
                ? version.GetString()
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null; // a bare folder of .min.js files has no package.json; the version is only shown, never needed
        }
    }
}

/// <summary>One package's minified build.</summary>
internal sealed record LoadedBundle(string Package, string? Version, string Script);

/// <summary>The bundles found in one folder, in load order.</summary>
internal sealed record LoadedBundles(string Directory, IReadOnlyList<LoadedBundle> Scripts);
