using Bulwark.Torch.Serialization;

namespace Bulwark.Evaluation;

/// <summary>The three files of a robustness report in a directory, each written atomically.</summary>
/// <param name="Json">report.json (<see cref="MetricsJson"/>).</param>
/// <param name="Markdown">report.md (<see cref="MarkdownReport"/>).</param>
/// <param name="Html">report.html (<see cref="HtmlReport"/>).</param>
public sealed record ReportFiles(string Json, string Markdown, string Html);

/// <summary>
/// Writes report.json, report.md and report.html into a directory (created if missing). Each file is rendered first
/// and then written atomically, so a reader never sees half a file and a failing renderer leaves the old file intact.
/// </summary>
public static class ReportWriter
{
    public const string JsonFileName = "report.json";

    public const string MarkdownFileName = "report.md";

    public const string HtmlFileName = "report.html";

    /// <summary>Writes the three files and returns their full paths.</summary>
    public static ReportFiles Write(RobustnessReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = Path.GetFullPath(directory);
        Directory.CreateDirectory(full);
        var files = new ReportFiles(Path.Combine(full, JsonFileName), Path.Combine(full, MarkdownFileName), Path.Combine(full, HtmlFileName));
        AtomicFile.WriteAllText(files.Json, MetricsJson.Serialize(report));
        AtomicFile.WriteAllText(files.Markdown, MarkdownReport.Render(report));
        AtomicFile.WriteAllText(files.Html, HtmlReport.Render(report));
        return files;
    }

    /// <summary>Reads report.json back.</summary>
    public static RobustnessReport Read(string jsonFile) => MetricsJson.Deserialize<RobustnessReport>(File.ReadAllText(jsonFile));
}
