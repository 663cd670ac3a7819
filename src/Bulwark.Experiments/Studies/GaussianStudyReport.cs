using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Bulwark.Evaluation;
using Bulwark.Torch.Serialization;

namespace Bulwark.Experiments;

/// <summary>
/// The pages of a <see cref="GaussianStudyResult"/>: study.md (settings, the fair comparison, every run) and study.html
/// (the same tables, and the paper's Figure 2 as two Vega-Lite charts: test accuracy against training σ and GNR
/// against training σ, one line per regularizer α and per augmentation fold count, every line starting at the baseline,
/// which is σ = 0).
/// </summary>
public static class GaussianStudyReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes study.json, study.md and study.html into <paramref name="directory"/>, each atomically.</summary>
    public static void Write(GaussianStudyResult study, string directory)
    {
        ArgumentNullException.ThrowIfNull(study);
        AtomicFile.WriteAllText(Path.Combine(directory, GaussianStudy.JsonFileName), MetricsJson.Serialize(study));
        AtomicFile.WriteAllText(Path.Combine(directory, GaussianStudy.MarkdownFileName), RenderMarkdown(study));
        AtomicFile.WriteAllText(Path.Combine(directory, GaussianStudy.HtmlFileName), RenderHtml(study));
    }

    /// <summary>Reads study.json back.</summary>
    public static GaussianStudyResult Read(string jsonFile) => MetricsJson.Deserialize<GaussianStudyResult>(File.ReadAllText(jsonFile));

    /// <summary>The title both pages carry.</summary>
    public static string Title(GaussianStudyResult study)
    {
        ArgumentNullException.ThrowIfNull(study);
        return $"Gaussian study: {study.Settings.Model.Architecture} on {study.Settings.Dataset}";
    }

    /// <summary>What the numbers were measured on, in one sentence (quick mode said first).</summary>
    public static string Scope(GaussianStudyResult study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var settings = study.Settings;
        var scope = string.Create(Invariant,
            $"at most {settings.Protocol.Epochs} epochs on {settings.TrainImages} training images ({settings.Protocol.ValidationSplit:P0} held out for validation); " +
            $"accuracy and GNR on {settings.TestImages} test images");
        return study.Quick ? "Quick smoke mode (numbers check the pipeline, not the paper): " + scope : scope[..1].ToUpperInvariant() + scope[1..];
    }

    /// <summary>study.md.</summary>
    public static string RenderMarkdown(GaussianStudyResult study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(Invariant));
        var settings = study.Settings;
        Line($"# {Title(study)}");
        text.AppendLine();
        Line($"{Scope(study)}.");
        text.AppendLine();
        Line($"| | |");
        Line($"|---|---|");
        Line($"| model | {settings.Model} |");
        Line($"| protocol | {settings.Protocol} |");
        Line($"| σ | {string.Join(", ", study.Sigmas.Select(StudyRun.Format))} |");
        Line($"| α | {string.Join(", ", study.Alphas.Select(StudyRun.Format))} |");
        Line($"| augmentation folds | {string.Join(", ", study.AugmentationFolds)} (σ ≤ {StudyRun.Format(study.MaxAugmentationSigma)}) |");
        Line($"| GNR | {settings.Gnr} |");
        Line($"| runs finished | {study.Runs.Count} of {study.Grid.Count} |");
        Line($"| updated | {study.Updated} |");

        text.AppendLine();
        Line($"## Fair comparison");
        text.AppendLine();
        if (study.Comparison is { } fair)
        {
            Line($"Runs with test accuracy ≥ the baseline's − {StudyRun.Format(fair.Tolerance)} percentage points (≥ {FormatAccuracy(fair.AccuracyBar)}); per method the run with the highest GNR.");
            text.AppendLine();
            Line($"| method | run | σ | setting | test accuracy | GNR | kept |");
            Line($"|---|---|---|---|---|---|---|");
            foreach (var cells in ComparisonCells(fair))
            {
                text.Append("| ").AppendJoin(" | ", cells).AppendLine(" |");
            }
        }
        else
        {
            Line($"Not yet: the baseline has not finished.");
        }

        text.AppendLine();
        Line($"## Runs");
        text.AppendLine();
        Line($"| run | method | σ | setting | test accuracy | GNR | epochs | best epoch | train seconds |");
        Line($"|---|---|---|---|---|---|---|---|---|");
        foreach (var run in study.Runs)
        {
            Line($"| {run.Run.Name} | {Method(run.Run.Method)} | {StudyRun.Format(run.Run.Sigma)} | {run.Run.Setting} | {FormatAccuracy(run.TestAccuracy)} | {FormatGnr(run.Gnr)} | {run.Epochs} | {run.BestEpoch + 1} | {run.TrainSeconds:F1} |");
        }

        return text.ToString();
    }

    /// <summary>study.html, inlining the chart bundles found by <see cref="VegaBundles.Resolve"/>(<paramref name="javaScriptDirectory"/>).</summary>
    public static string RenderHtml(GaussianStudyResult study, string? javaScriptDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(study);
        var searched = VegaBundles.Resolve(javaScriptDirectory);
        var bundles = VegaBundles.Load(searched);
        var charts = Charts(study);
        var html = new StringBuilder(bundles is null ? 32 * 1024 : 1024 * 1024);
        var title = Title(study);
        HtmlReport.AppendPageStart(html, title);
        html.Append("<header>\n<h1>").Append(HtmlReport.Escape(title)).Append("</h1>\n<p class=\"note\" id=\"scope\">")
            .Append(HtmlReport.Escape(Scope(study))).Append(".</p>\n<dl class=\"facts\">\n");
        Fact(html, "Model", study.Settings.Model.ToString());
        Fact(html, "Protocol", study.Settings.Protocol.ToString());
        Fact(html, "GNR", study.Settings.Gnr.ToString());
        Fact(html, "Runs finished", $"{study.Runs.Count} of {study.Grid.Count}");
        Fact(html, "Updated", study.Updated);
        html.Append("</dl>\n</header>\n");

        html.Append("<section id=\"fair-comparison\">\n<h2>Fair comparison</h2>\n");
        if (study.Comparison is { } fair)
        {
            html.Append("<p>Runs with test accuracy at least the baseline's minus ").Append(StudyRun.Format(fair.Tolerance))
                .Append(" percentage points (").Append(FormatAccuracy(fair.AccuracyBar)).Append("); per method the run with the highest GNR.</p>\n")
                .Append("<table class=\"summary\">\n<thead><tr><th>Method</th><th>Run</th><th>σ</th><th>Setting</th><th>Test accuracy</th><th>GNR</th><th>Kept</th></tr></thead>\n<tbody>\n");
            foreach (var cells in ComparisonCells(fair))
            {
                Row(html, cells);
            }

            html.Append("</tbody>\n</table>\n");
        }
        else
        {
            html.Append("<p class=\"note\">Not yet: the baseline has not finished.</p>\n");
        }

        html.Append("</section>\n<section id=\"runs\">\n<h2>Runs</h2>\n<table class=\"summary\">\n<thead><tr><th>Run</th><th>Method</th><th>σ</th><th>Setting</th>")
            .Append("<th>Test accuracy</th><th>GNR</th><th>Epochs</th><th>Best epoch</th><th>Training</th></tr></thead>\n<tbody>\n");
        foreach (var run in study.Runs)
        {
            Row(html, run.Run.Name, Method(run.Run.Method), StudyRun.Format(run.Run.Sigma), run.Run.Setting, FormatAccuracy(run.TestAccuracy),
                FormatGnr(run.Gnr), run.Epochs.ToString(Invariant), (run.BestEpoch + 1).ToString(Invariant), run.TrainSeconds.ToString("F1 s", Invariant));
        }

        html.Append("</tbody>\n</table>\n</section>\n");
        HtmlReport.AppendCharts(html, charts, bundles, searched);
        HtmlReport.AppendPageEnd(html, charts, bundles);
        return html.ToString();

        static void Fact(StringBuilder html, string name, string value) =>
            html.Append("<div><dt>").Append(name).Append("</dt><dd>").Append(HtmlReport.Escape(value)).Append("</dd></div>\n");
    }

    /// <summary>Figure 2: test accuracy and GNR against training σ, a line per method setting, each from the baseline at σ = 0.</summary>
    internal static List<HtmlReport.Chart> Charts(GaussianStudyResult study)
    {
        var baseline = study.Runs.FirstOrDefault(r => r.Run.Method == StudyMethod.Baseline);
        var rows = new JsonArray();
        foreach (var series in study.Runs.Where(r => r.Run.Method != StudyMethod.Baseline).GroupBy(r => r.Run.Series))
        {
            foreach (var run in (baseline is null ? series : series.Prepend(baseline)).OrderBy(r => r.Run.Sigma))
            {
                rows.Add(new JsonObject
                {
                    ["series"] = series.Key,
                    ["method"] = Method(series.First().Run.Method),
                    ["run"] = run.Run.Name,
                    ["sigma"] = HtmlReport.Value(run.Run.Sigma),
                    ["accuracy"] = HtmlReport.Value(run.TestAccuracy),
                    ["gnr"] = HtmlReport.Value(run.Gnr),
                });
            }
        }

        if (rows.Count == 0)
        {
            return [];
        }

        return
        [
            Chart("chart-accuracy", "Test accuracy against training σ", rows, "accuracy", "test accuracy (clean)"),
            Chart("chart-gnr", "GNR against training σ", rows, "gnr", "GNR"),
        ];
    }

    private static HtmlReport.Chart Chart(string id, string title, JsonArray rows, string field, string axis) => new(id, title, new JsonObject
    {
        ["title"] = title,
        ["width"] = HtmlReport.ChartWidth,
        ["height"] = HtmlReport.ChartHeight,
        ["data"] = new JsonObject { ["values"] = rows.DeepClone() },
        ["mark"] = new JsonObject { ["type"] = "line", ["point"] = true, ["tooltip"] = true },
        ["encoding"] = new JsonObject
        {
            ["x"] = HtmlReport.Field("sigma", "quantitative", "training σ (0 = baseline)"),
            // accuracies crowd near the top: a zero-based axis would flatten every line
            ["y"] = new JsonObject
            {
                ["field"] = field, ["type"] = "quantitative", ["title"] = axis,
                ["scale"] = new JsonObject { ["zero"] = false },
                ["axis"] = new JsonObject { ["format"] = field == "gnr" ? ".3f" : ".1%" },
            },
            ["color"] = HtmlReport.Field("series", "nominal", "method"),
            ["strokeDash"] = HtmlReport.Field("method", "nominal", "kind"),
        },
    });

    /// <summary>
    /// The fair comparison as table rows, the baseline first: method, best run (or "none within the tolerance"), σ,
    /// setting, test accuracy, GNR, and how many of the method's runs were kept. study.md, study.html and the command
    /// line print these cells.
    /// </summary>
    public static IEnumerable<string[]> ComparisonCells(FairComparison fair)
    {
        ArgumentNullException.ThrowIfNull(fair);
        yield return Cells("baseline", fair.Baseline, "");
        foreach (var entry in fair.Entries)
        {
            yield return Cells(Method(entry.Method), entry.Best, $"{entry.Kept} of {entry.Runs}");
        }

        static string[] Cells(string method, StudyRunResult? best, string kept) => best is null
            ? [method, "none within the tolerance", "", "", "", "", kept]
            : [method, best.Run.Name, StudyRun.Format(best.Run.Sigma), best.Run.Setting, FormatAccuracy(best.TestAccuracy), FormatGnr(best.Gnr), kept];
    }

    private static void Row(StringBuilder html, params string[] cells)
    {
        html.Append("<tr>");
        foreach (var cell in cells)
        {
            html.Append("<td>").Append(HtmlReport.Escape(cell)).Append("</td>");
        }

        html.Append("</tr>\n");
    }

    private static string Method(StudyMethod method) => method.ToString().ToLowerInvariant();

    /// <summary>An accuracy as the tables write it: a percentage with two decimals, "—" for NaN.</summary>
    public static string FormatAccuracy(double fraction) => double.IsFinite(fraction) ? (fraction * 100).ToString("F2", Invariant) + "%" : "—";

    /// <summary>A GNR as the tables write it: four decimals, "—" for NaN.</summary>
    public static string FormatGnr(double gnr) => double.IsFinite(gnr) ? gnr.ToString("F4", Invariant) : "—";
}
