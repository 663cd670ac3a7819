using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Bulwark.Evaluation.Tests;

/// <summary>Headless Chromium (Debian's <c>chromium</c> package), run on a file: its DOM after scripts ran, or a screenshot.</summary>
internal static partial class Chromium
{
    internal const string NotInstalled = "chromium is not installed (Debian: apt-get install chromium; scripts/setup.sh installs it)";

    private static readonly Lazy<string?> executable = new(() =>
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" }
            .SelectMany(name => path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
    });

    /// <summary>The browser's path, or null when none is on PATH.</summary>
    public static string? Executable => executable.Value;

    /// <summary>What one run printed and how long it took.</summary>
    internal sealed record Result(string StandardOutput, string StandardError, TimeSpan Elapsed)
    {
        /// <summary>The page's console messages (errors, CSP violations, logs), one per line.</summary>
        public IReadOnlyList<string> ConsoleMessages =>
            StandardError.Split('\n').Where(line => line.Contains(":CONSOLE", StringComparison.Ordinal)).ToList();
    }

    /// <summary>The DOM once scripts ran (virtual time lets promises and timers settle before the dump).</summary>
    public static Result DumpDom(string htmlFile, string profileFolder) =>
        Run([.. Common(profileFolder), "--dump-dom", new Uri(htmlFile).AbsoluteUri]);

    /// <summary>A PNG screenshot of the page's first <paramref name="width"/> × <paramref name="height"/> CSS pixels.</summary>
    public static Result Screenshot(string htmlFile, string pngFile, string profileFolder, int width, int height) =>
        Run([.. Common(profileFolder), $"--screenshot={pngFile}", $"--window-size={width},{height}", new Uri(htmlFile).AbsoluteUri]);

    /// <summary>stderr without the noise of a machine with no D-Bus and no GPU.</summary>
    public static string Interesting(string standardError) =>
        string.Join('\n', standardError.Split('\n').Where(line => line.Length > 0 && !Noise().IsMatch(line)));

    private static string[] Common(string profileFolder) =>
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        "--hide-scrollbars", "--force-device-scale-factor=1", $"--user-data-dir={profileFolder}", "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=10000",
    ];

    private static Result Run(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException(NotInstalled))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(25)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not finish within 25 s: {string.Join(' ', arguments)}");
        }

        process.WaitForExit(); // the redirected streams are complete only now
        process.ExitCode.ShouldBe(0, $"chromium failed:\n{Interesting(error.Result)}");
        return new Result(output.Result, error.Result, clock.Elapsed);
    }

    [GeneratedRegex(@"dbus|D-Bus|vaapi|sandbox_linux|unexpected operator|gpu_init|viz_main|Fontconfig|bytes written to file", RegexOptions.IgnoreCase)]
    private static partial Regex Noise();
}

/// <summary>
/// A <see cref="FactAttribute"/> skipped, with the reason shown, when chromium is not installed (or, with
/// <c>needsVegaBundles</c>, when the vega bundles are not installed where <see cref="VegaBundles.Resolve"/> looks).
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute(bool needsVegaBundles = false)
    {
        if (Chromium.Executable is null)
        {
            Skip = Chromium.NotInstalled;
        }
        else if (needsVegaBundles && VegaBundles.Load(VegaBundles.Resolve(null)) is null)
        {
            Skip = $"the vega bundles are not installed in {VegaBundles.Resolve(null)} (scripts/setup.sh installs them)";
        }
    }
}
