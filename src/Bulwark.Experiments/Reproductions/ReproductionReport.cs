using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Bulwark.Evaluation;
using Bulwark.Torch.Serialization;

namespace Bulwark.Experiments;

/// <summary>
/// The pages of a <see cref="ReproductionResult"/>: reproduction.md and reproduction.html hold the table "paper vs
/// Bulwark" (accuracy, ρ_adv and FGSM accuracy at the paper's ε, per run), the paper's claims checked on the
/// measurements, what differs from the paper's protocol, and the accuracy curves under FGSM and JSMA (Vega-Lite charts
/// in the HTML page); reproduction.json holds everything.
/// </summary>
public static class ReproductionReport
{
    public const string JsonFileName = "reproduction.json";

    public const string MarkdownFileName = "reproduction.md";

    public const string HtmlFileName = "reproduction.html";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes reproduction.json, .md and .html into <paramref name="directory"/>, each atomically.</summary>
    public static void Write(ReproductionResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        AtomicFile.WriteAllText(Path.Combine(directory, JsonFileName), MetricsJson.Serialize(result));
        AtomicFile.WriteAllText(Path.Combine(directory, MarkdownFileName), RenderMarkdown(result));
        AtomicFile.WriteAllText(Path.Combine(directory, HtmlFileName), RenderHtml(result));
    }

    /// <summary>Reads reproduction.json back.</summary>
    public static ReproductionResult Read(string jsonFile) => MetricsJson.Deserialize<ReproductionResult>(File.ReadAllText(jsonFile));

    /// <summary>The header row of <see cref="ComparisonRows"/>.</summary>
    public static string[] ComparisonHeader(ReproductionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var header = new List<string> { "Run", "Accuracy (paper)", "Accuracy (Bulwark)" };
        if (result.Evaluation.DeepFool is not null)
        {
            header.AddRange(["ρ_adv (paper)", "ρ_adv (Bulwark)"]);
        }

        foreach (var epsilon in PaperEpsilons(result))
        {
            header.AddRange([$"FGSM ε={Format(epsilon)} acc. (paper)", $"FGSM ε={Format(epsilon)} acc. (Bulwark)"]);
        }

        return [.. header];
    }

    /// <summary>"Paper vs Bulwark": one row per run, the paper's number beside ours for each metric the paper reports.</summary>
    public static IEnumerable<string[]> ComparisonRows(ReproductionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var epsilons = PaperEpsilons(result);
        foreach (var run in result.Plan)
        {
            var measured = result.Results.FirstOrDefault(r => r.Id == run.Id);
            var paper = result.Paper.GetValueOrDefault(run.Label);
            var row = new List<string> { run.Label, Percent(paper?.Accuracy), Percent(measured?.Accuracy) };
            if (result.Evaluation.DeepFool is not null)
            {
                row.AddRange([Number(paper?.Rho), Number(measured?.Rho)]);
            }

            foreach (var epsilon in epsilons)
            {
                double? ours = null;
                if (measured is not null)
                {
                    var index = measured.FgsmEpsilons.ToList().FindIndex(e => Math.Abs(e - epsilon) < 1e-12);
                    ours = index < 0 ? null : measured.FgsmAccuracy[index];
                }

                row.AddRange([Percent(paper?.FgsmAccuracy?.GetValueOrDefault(epsilon)), Percent(ours)]);
            }

            yield return [.. row];
        }
    }

    /// <summary>reproduction.md.</summary>
    public static string RenderMarkdown(ReproductionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder();
        text.AppendLine($"# {result.Title}").AppendLine();
        text.AppendLine($"{Scope(result)}").AppendLine();
        text.AppendLine($"Source: {result.Source}. Updated {result.Updated}.").AppendLine();
        text.AppendLine("## Paper vs Bulwark").AppendLine();
        Table(text, ComparisonHeader(result), ComparisonRows(result));
        text.AppendLine().AppendLine("## The paper's claims, checked").AppendLine();
        foreach (var check in result.Checks)
        {
            text.AppendLine($"- {Verdict(check.Holds)} {check.Check.Description}: {Number(check.Value)} against {(check.Check.AtMost ? "≤" : "≥")} {Number(check.Bound)}");
        }

        if (result.Warnings.Count > 0)
        {
            text.AppendLine().AppendLine("## Sanity warnings").AppendLine();
            foreach (var warning in result.Warnings)
            {
                text.AppendLine($"- ⚠ `{warning.Code}`: {warning.Message}");
            }
        }

        if (result.Results.Any(r => r.FgsmEpsilons.Count > 1))
        {
            text.AppendLine().AppendLine("## Accuracy under FGSM (ℓ∞, pixel space)").AppendLine();
            var epsilons = result.Results.First(r => r.FgsmEpsilons.Count > 1).FgsmEpsilons;
            Table(text, ["Run", .. epsilons.Select(e => $"ε={Format(e)}")],
                result.Results.Select(r => (string[])[r.Label, .. r.FgsmAccuracy.Select(a => Percent(a))]));
        }

        if (result.Results.Any(r => r.JsmaThetas.Count > 0))
        {
            text.AppendLine().AppendLine($"## Accuracy under JSMA (γ = {Format(result.Evaluation.JsmaMaxDistortion)})").AppendLine();
            var thetas = result.Results.First(r => r.JsmaThetas.Count > 0).JsmaThetas;
            Table(text, ["Run", .. thetas.Select(t => $"θ={Format(t)}")],
                result.Results.Select(r => (string[])[r.Label, .. r.JsmaAccuracy.Select(a => Percent(a))]));
        }

        text.AppendLine().AppendLine("## Runs").AppendLine();
        Table(text, ["Run", "Objective", "Starts from", "Epochs", "DeepFool success", "Training", "Evaluation"],
            result.Plan.Select(run =>
            {
                var measured = result.Results.FirstOrDefault(r => r.Id == run.Id);
                return new[]
                {
                    run.Id, run.Objective, run.InitFrom ?? "—", measured?.Epochs.ToString(Invariant) ?? "—", Percent(measured?.DeepFoolSuccessRate),
                    measured is null ? "not yet" : measured.TrainSeconds.ToString("F0", Invariant) + " s",
                    measured is null ? "—" : measured.EvaluationSeconds.ToString("F0", Invariant) + " s",
                };
            }));
        if (result.Notes.Count > 0)
        {
            text.AppendLine().AppendLine("## Differences from the paper's protocol").AppendLine();
            foreach (var note in result.Notes)
            {
                text.AppendLine($"- {note}");
            }
        }

        return text.ToString();
    }

    /// <summary>reproduction.html: the same tables and the FGSM and JSMA accuracy curves.</summary>
    public static string RenderHtml(ReproductionResult result, string? javaScriptDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var searched = VegaBundles.Resolve(javaScriptDirectory);
        var bundles = VegaBundles.Load(searched);
        var charts = Charts(result);
        var html = new StringBuilder(bundles is null ? 32 * 1024 : 1024 * 1024);
        HtmlReport.AppendPageStart(html, result.Title);
        html.Append("<header>\n<h1>").Append(HtmlReport.Escape(result.Title)).Append("</h1>\n<p class=\"note\" id=\"scope\">")
            .Append(HtmlReport.Escape(Scope(result))).Append("</p>\n<p>").Append(HtmlReport.Escape($"Source: {result.Source}. Updated {result.Updated}."))
            .Append("</p>\n</header>\n<section id=\"paper-vs-bulwark\">\n<h2>Paper vs Bulwark</h2>\n");
        HtmlTable(html, ComparisonHeader(result), ComparisonRows(result));
        html.Append("</section>\n<section id=\"checks\">\n<h2>The paper's claims, checked</h2>\n<ul>\n");
        foreach (var check in result.Checks)
        {
            html.Append("<li>").Append(HtmlReport.Escape(
                $"{Verdict(check.Holds)} {check.Check.Description}: {Number(check.Value)} against {(check.Check.AtMost ? "≤" : "≥")} {Number(check.Bound)}")).Append("</li>\n");
        }

        html.Append("</ul>\n</section>\n");
        HtmlReport.AppendWarnings(html, result.Warnings);
        if (result.Notes.Count > 0)
        {
            html.Append("<section id=\"notes\">\n<h2>Differences from the paper's protocol</h2>\n<ul>\n");
            foreach (var note in result.Notes)
            {
                html.Append("<li>").Append(HtmlReport.Escape(note)).Append("</li>\n");
            }

            html.Append("</ul>\n</section>\n");
        }

        HtmlReport.AppendCharts(html, charts, bundles, searched);
        HtmlReport.AppendPageEnd(html, charts, bundles);
        return html.ToString();
    }

    internal static List<HtmlReport.Chart> Charts(ReproductionResult result)
    {
        var charts = new List<HtmlReport.Chart>();
        var fgsm = new JsonArray();
        var jsma = new JsonArray();
        foreach (var run in result.Results)
        {
            for (var i = 0; i < run.FgsmEpsilons.Count; i++)
            {
                fgsm.Add(new JsonObject { ["run"] = run.Label, ["x"] = run.FgsmEpsilons[i], ["accuracy"] = HtmlReport.Value(run.FgsmAccuracy[i]) });
            }

            for (var i = 0; i < run.JsmaThetas.Count; i++)
            {
                jsma.Add(new JsonObject { ["run"] = run.Label, ["x"] = run.JsmaThetas[i], ["accuracy"] = HtmlReport.Value(run.JsmaAccuracy[i]) });
            }
        }

        if (fgsm.Count > result.Results.Count)
        {
            charts.Add(Chart("chart-fgsm", "Test accuracy under FGSM", fgsm, "ε (ℓ∞, pixel space)"));
        }

        if (jsma.Count > result.Results.Count)
        {
            charts.Add(Chart("chart-jsma", "Test accuracy under JSMA", jsma, "θ (change per pixel)"));
        }

        return charts;
    }

    private static HtmlReport.Chart Chart(string id, string title, JsonArray rows, string axis) => new(id, title, new JsonObject
    {
        ["title"] = title,
        ["width"] = HtmlReport.ChartWidth,
        ["height"] = HtmlReport.ChartHeight,
        ["data"] = new JsonObject { ["values"] = rows },
        ["mark"] = new JsonObject { ["type"] = "line", ["point"] = true, ["tooltip"] = true },
        ["encoding"] = new JsonObject
        {
            ["x"] = HtmlReport.Field("x", "quantitative", axis),
            ["y"] = HtmlReport.Fraction("accuracy", "test accuracy"),
            ["color"] = HtmlReport.Field("run", "nominal", "defense"),
        },
    });

    private static string Scope(ReproductionResult result)
    {
        var evaluation = result.Evaluation;
        var trained = result.TrainSamples is { } n ? string.Create(Invariant, $"the first {n}") : "all";
        var scope = string.Create(Invariant, $"Trained on {trained} training images; accuracy{(evaluation.DeepFool is null ? "" : " and ρ_adv")} on {evaluation.TestSamples} test images");
        if (evaluation.FgsmEpsilons.Count > 0)
        {
            scope += string.Create(Invariant, $", FGSM on {evaluation.FgsmSamples ?? evaluation.TestSamples}");
        }

        if (evaluation.JsmaThetas.Count > 0)
        {
            scope += string.Create(Invariant, $", JSMA on {evaluation.JsmaSamples ?? evaluation.TestSamples}");
        }

        scope += ".";
        if (result.Overrides.Count > 0)
        {
            scope += " Reduced from the paper's protocol: " + string.Join("; ", result.Overrides) + ".";
        }
        return result.Quick ? "Quick smoke variant (its numbers check the pipeline, not the paper). " + scope : scope;
    }

    private static List<double> PaperEpsilons(ReproductionResult result) =>
        result.Paper.Values.Where(p => p.FgsmAccuracy is not null).SelectMany(p => p.FgsmAccuracy!.Keys).Distinct().Order().ToList();

    private static void Table(StringBuilder text, IReadOnlyList<string> header, IEnumerable<string[]> rows)
    {
        text.AppendLine("| " + string.Join(" | ", header) + " |");
        text.AppendLine("|" + string.Concat(Enumerable.Repeat("---|", header.Count)));
        foreach (var row in rows)
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }
    }

    private static void HtmlTable(StringBuilder html, IReadOnlyList<string> header, IEnumerable<string[]> rows)
    {
        html.Append("<table class=\"summary\">\n<thead><tr>");
        foreach (var cell in header)
        {
            html.Append("<th>").Append(HtmlReport.Escape(cell)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
            {
                html.Append("<td>").Append(HtmlReport.Escape(cell)).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static string Verdict(bool? holds) => holds switch { true => "✓", false => "✗", null => "…" };

    /// <summary>A fraction as a percentage with two decimals, or — where there is none.</summary>
    public static string Percent(double? fraction) => fraction is { } f && double.IsFinite(f) ? (f * 100).ToString("F2", Invariant) + "%" : "—";

    /// <summary>A number with up to four decimals, or — where there is none.</summary>
    public static string Number(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.####", Invariant) : "—";

    private static string Format(double value) => value.ToString("0.####", Invariant);
}
