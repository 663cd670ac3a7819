using System.Globalization;
using System.Text;

namespace Bulwark.Evaluation;

/// <summary>
/// The self-contained HTML page of a <see cref="RobustnessReport"/>: a header, the failed sanity checks, the
/// moment-regularizer paper's Table 4 row when the report has one, a summary table per attack and per norm's worst
/// case, Vega-Lite charts (robust accuracy against ε per norm, the GNR curve, noise accuracy against σ, a histogram
/// of minimum norms per minimum-norm attack) and a grid of clean / adversarial / perturbation images as PNG data URIs.
/// vega, vega-lite and vega-embed are inlined from the folder <see cref="VegaBundles"/> finds, and a content security
/// policy forbids every network request, so the page works offline. Without the bundles the page is still written,
/// with a note where the charts would be.
/// <code>File.WriteAllText("report.html", HtmlReport.Render(report));</code>
/// </summary>
public static partial class HtmlReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    // No request of any kind leaves the page: scripts and styles are inline, images are data URIs. Vega compiles its
    // expressions with Function(), hence 'unsafe-eval'.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:; "
        + "font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'";

    /// <summary>The whole page as one string, with the JavaScript bundles found by <see cref="VegaBundles.Resolve"/>(null).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    /// <exception cref="ArgumentException">An example's shape disagrees with its pixels or has neither 1 nor 3 channels.</exception>
    public static string Render(RobustnessReport report) => Render(report, javaScriptDirectory: null);

    /// <summary>
    /// The whole page as one string, inlining the JavaScript bundles from <paramref name="javaScriptDirectory"/>
    /// (null: the <c>BULWARK_JS</c> environment variable, else <c>~/.bulwark/js</c>).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="report"/> is null.</exception>
    /// <exception cref="ArgumentException">An example's shape disagrees with its pixels or has neither 1 nor 3 channels.</exception>
    public static string Render(RobustnessReport report, string? javaScriptDirectory)
    {
        ArgumentNullException.ThrowIfNull(report);
        var directory = VegaBundles.Resolve(javaScriptDirectory);
        return Render(report, VegaBundles.Load(directory), directory);
    }

    /// <summary>The page with the given bundles (null: none found in <paramref name="searched"/>).</summary>
    internal static string Render(RobustnessReport report, LoadedBundles? bundles, string searched)
    {
        ArgumentNullException.ThrowIfNull(report);
        var charts = Charts(report);
        var html = new StringBuilder(bundles is null ? 64 * 1024 : 1024 * 1024);
        var title = $"Robustness of {report.Model} on {report.Dataset}";
        AppendPageStart(html, title);
        AppendHeader(html, report, title);
        AppendWarnings(html, report.Warnings);
        AppendMomentPaperTable(html, report);
        if (report.MomentPaper is null || report.Attacks.Count > 0)
        {
            AppendAttackTable(html, report.Attacks);
        }

        AppendWorstCaseTable(html, report.WorstCase);
        AppendCharts(html, charts, bundles, searched);
        AppendExamples(html, report.Examples);
        AppendPageEnd(html, charts, bundles);
        return html.ToString();
    }

    /// <summary>The document's head (security policy, title, style) and the opening body tag.</summary>
    internal static void AppendPageStart(StringBuilder html, string title) =>
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(ContentSecurityPolicy).Append("\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(Escape(title)).Append("</title>\n")
            .Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n");

    /// <summary>The footer, the inlined bundles with the charts' specifications (when there are charts and bundles) and the closing tags.</summary>
    internal static void AppendPageEnd(StringBuilder html, IReadOnlyList<Chart> charts, LoadedBundles? bundles)
    {
        var inlined = charts.Count > 0 ? bundles : null;
        AppendFooter(html, inlined);

        if (inlined is not null)
        {
            foreach (var bundle in inlined.Scripts)
            {
                html.Append("<script data-package=\"").Append(Escape(bundle.Package)).Append("\">\n")
                    .Append(GuardScript(bundle.Script)).Append("\n</script>\n");
            }

            html.Append("<script type=\"application/json\" id=\"bulwark-charts\">").Append(GuardScript(ChartsJson(charts))).Append("</script>\n")
                .Append("<script>").Append(EmbedScript).Append("</script>\n");
        }

        html.Append("<script>").Append(ImageCheckScript).Append("</script>\n</body>\n</html>\n");
    }

    private static void AppendHeader(StringBuilder html, RobustnessReport report, string title)
    {
        html.Append("<header>\n<h1>").Append(Escape(title)).Append("</h1>\n<dl class=\"facts\">\n");
        Fact(html, "Model", Escape(report.Model));
        Fact(html, "Dataset", Escape(report.Dataset));
        Fact(html, "Run", "<code>" + Escape(report.Run) + "</code>");
        Fact(html, "Suite", Escape(report.Suite));
        Fact(html, "Samples", report.Samples.ToString(Invariant));
        Fact(html, "Clean accuracy", Percent(report.CleanAccuracy));
        Fact(html, "Seed", report.Seed.ToString(Invariant));
        Fact(html, "Date", Escape(report.Created));
        Fact(html, "Duration", Seconds(report.Seconds));
        html.Append("</dl>\n</header>\n");

        static void Fact(StringBuilder html, string name, string valueHtml) =>
            html.Append("<div><dt>").Append(name).Append("</dt><dd>").Append(valueHtml).Append("</dd></div>\n");
    }

    internal static void AppendWarnings(StringBuilder html, IReadOnlyList<SanityWarning> warnings)
    {
        if (warnings.Count == 0)
        {
            html.Append("<section id=\"warnings\" class=\"ok\"><p>No sanity check failed.</p></section>\n");
            return;
        }

        html.Append("<section id=\"warnings\" class=\"warnings\" role=\"alert\">\n<h2>&#9888; ")
            .Append(warnings.Count.ToString(Invariant)).Append(warnings.Count == 1 ? " sanity check" : " sanity checks")
            .Append(" failed</h2>\n<p>Signs of gradient masking or of a broken evaluation: robust accuracies below may be overestimated.</p>\n<ul>\n");
        foreach (var warning in warnings)
        {
            html.Append("<li><code>").Append(Escape(warning.Code)).Append("</code> ").Append(Escape(warning.Message)).Append("</li>\n");
        }

        html.Append("</ul>\n</section>\n");
    }

    private static void AppendAttackTable(StringBuilder html, IReadOnlyList<AttackReport> attacks)
    {
        html.Append("<section id=\"attacks\">\n<h2>Attacks</h2>\n");
        if (attacks.Count == 0)
        {
            html.Append("<p class=\"note\">No attack was run.</p>\n</section>\n");
            return;
        }

        html.Append("<table class=\"summary\">\n<thead><tr><th>Attack</th><th>Norm</th><th>Kind</th><th>Robust accuracy at ε</th>")
            .Append("<th>Success rate</th><th>Mean norm</th><th>Median norm</th><th>ρ<sub>adv</sub></th><th>ρ<sub>adv</sub> (all)</th>")
            .Append("<th>Gradients</th><th>Time</th></tr></thead>\n<tbody>\n");
        foreach (var attack in attacks)
        {
            html.Append("<tr class=\"attack\"><td>").Append(Escape(attack.Attack)).Append("</td><td>").Append(Escape(NormName(attack.Norm)))
                .Append("</td><td>").Append(Escape(attack.Kind)).Append("</td><td>");
            AppendCurve(html, attack.Epsilons, attack.RobustAccuracy);
            html.Append("</td><td>").Append(Percent(attack.SuccessRate))
                .Append("</td><td>").Append(Number(attack.MeanNorm))
                .Append("</td><td>").Append(Number(attack.MedianNorm))
                .Append("</td><td>").Append(Number(attack.RhoAdversarial))
                .Append("</td><td>").Append(Number(attack.RhoAdversarialAll))
                .Append("</td><td>").Append(attack.GradientEvaluations.ToString(Invariant))
                .Append("</td><td>").Append(Seconds(attack.Seconds)).Append("</td></tr>\n");

            // an ensemble's members, each with the robust accuracy left once it and those before it have run
            foreach (var member in attack.Members)
            {
                html.Append("<tr class=\"member\"><td>&#8627; ").Append(Escape(member.Attack)).Append("</td><td></td><td>member</td><td>");
                AppendCurve(html, attack.Epsilons, member.RobustAccuracy);
                html.Append("</td><td></td><td></td><td></td><td></td><td></td><td>").Append(member.GradientEvaluations.ToString(Invariant))
                    .Append("</td><td>").Append(Seconds(member.Seconds)).Append("</td></tr>\n");
            }
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void AppendWorstCaseTable(StringBuilder html, IReadOnlyList<WorstCaseReport> worstCase)
    {
        if (worstCase.Count == 0)
        {
            return;
        }

        html.Append("<section id=\"worst-case\">\n<h2>Worst case per norm</h2>\n")
            .Append("<table class=\"summary\">\n<thead><tr><th>Norm</th><th>Attacks combined</th><th>Robust accuracy at ε</th></tr></thead>\n<tbody>\n");
        foreach (var worst in worstCase)
        {
            html.Append("<tr class=\"worst\"><td>").Append(Escape(NormName(worst.Norm))).Append("</td><td>")
                .Append(Escape(string.Join(", ", worst.Attacks))).Append("</td><td>");
            AppendCurve(html, worst.Epsilons, worst.RobustAccuracy);
            html.Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    /// <summary>"ε 0.1 → 45.0%" for each point of a robust-accuracy curve.</summary>
    private static void AppendCurve(StringBuilder html, IReadOnlyList<double> epsilons, IReadOnlyList<double> accuracies)
    {
        html.Append("<ul class=\"curve\">");
        for (var i = 0; i < Math.Max(epsilons.Count, accuracies.Count); i++)
        {
            html.Append("<li><span class=\"eps\">").Append(i < epsilons.Count ? Number(epsilons[i]) : "?").Append("</span>&#8201;&#8594;&#8201;")
                .Append(i < accuracies.Count ? Percent(accuracies[i]) : "?").Append("</li>");
        }

        html.Append("</ul>");
    }

    private static void AppendFooter(StringBuilder html, LoadedBundles? bundles)
    {
        html.Append("<footer><p>Written by Bulwark.");
        if (bundles is not null)
        {
            html.Append(" Charts drawn with ")
                .Append(string.Join(", ", bundles.Scripts.Select(s => Escape(s.Package) + (s.Version is null ? "" : " " + Escape(s.Version)))))
                .Append(", inlined.");
        }

        html.Append("</p></footer>\n");
    }

    /// <summary>The report's names for norms, as a reader writes them.</summary>
    internal static string NormName(string norm) => norm switch
    {
        "linf" => "L∞",
        "l2" => "L2",
        "l1" => "L1",
        "l0" => "L0",
        "pixel-l0" => "pixel L0",
        _ => norm,
    };

    /// <summary>Text made safe for HTML element content and quoted attribute values.</summary>
    internal static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            } ?? c.ToString());
        }

        return escaped.ToString();
    }

    /// <summary>
    /// Script text made safe to sit between &lt;script&gt; and &lt;/script&gt;: inside a script element the HTML
    /// parser ends at "&lt;/script" and changes state at "&lt;!--" and "&lt;script", whatever the JavaScript means, so
    /// each such '&lt;' becomes "\x3C" (the escape the HTML standard recommends: the same character in a JavaScript
    /// string, template or regular expression, where these sequences occur).
    /// </summary>
    internal static string GuardScript(string script)
    {
        var guarded = new StringBuilder(script.Length);
        for (var i = 0; i < script.Length; i++)
        {
            if (script[i] == '<' && (Follows(script, i + 1, "/script") || Follows(script, i + 1, "script") || Follows(script, i + 1, "!--")))
            {
                guarded.Append("\\x3C");
            }
            else
            {
                guarded.Append(script[i]);
            }
        }

        return guarded.ToString();

        static bool Follows(string text, int start, string word) =>
            start + word.Length <= text.Length && string.Compare(text, start, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0;
    }

    private static string Percent(double fraction) =>
        double.IsFinite(fraction) ? (fraction * 100).ToString("0.0", Invariant) + "%" : "&#8212;";

    private static string Number(double? value) =>
        value is { } v && double.IsFinite(v) ? v.ToString("G4", Invariant) : "&#8212;";

    private static string Seconds(double seconds) =>
        double.IsFinite(seconds) ? seconds.ToString(seconds < 10 ? "0.00" : "0.0", Invariant) + " s" : "&#8212;";

    private const string Style = """
        :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2330; background: #fff; }
        body { max-width: 1140px; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; }
        h1 { font-size: 1.6rem; margin: 0 0 .8rem; }
        h2 { font-size: 1.2rem; margin: 1.6rem 0 .6rem; border-bottom: 1px solid #d8dce4; padding-bottom: .2rem; }
        code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; background: #f1f3f7; padding: 0 .25em; border-radius: 3px; }
        .facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: .3rem 1.2rem; margin: 0; }
        .facts div { display: flex; flex-direction: column; }
        .facts dt { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: #5b6475; }
        .facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
        .warnings { background: #fff4e5; border: 2px solid #e07b00; border-radius: 6px; padding: .2rem 1rem .6rem; margin-top: 1.2rem; }
        .warnings h2 { color: #a34f00; border: 0; }
        .warnings li { margin: .25rem 0; }
        .ok { color: #2f6b2f; margin-top: 1rem; }
        table.summary { border-collapse: collapse; width: 100%; font-size: .9rem; }
        table.summary th, table.summary td { border-bottom: 1px solid #e3e6ec; padding: .3rem .45rem; text-align: left; vertical-align: top; }
        table.summary th { background: #f5f6f9; font-weight: 600; }
        table.summary tr.member td { color: #5b6475; font-size: .85rem; border-bottom-style: dotted; }
        table.summary td:nth-child(n+5) { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        #worst-case table.summary td { text-align: left; }
        ul.curve { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .1rem .8rem; font-variant-numeric: tabular-nums; }
        ul.curve li { white-space: nowrap; }
        ul.curve .eps { color: #5b6475; }
        ul.curve .eps::before { content: "ε "; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); gap: 1rem; }
        .chart { min-height: 3rem; }
        .chart-missing, .chart-error { border: 2px dashed #b0b7c3; border-radius: 6px; padding: .8rem 1rem; color: #5b6475; background: #fafbfc; }
        .chart-error { border-color: #c0392b; color: #c0392b; }
        .note { color: #5b6475; }
        .examples { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 1rem; }
        .example { border: 1px solid #e3e6ec; border-radius: 6px; padding: .5rem; margin: 0; }
        .example .images { display: flex; gap: .5rem; }
        .example .images figure { margin: 0; text-align: center; font-size: .75rem; color: #5b6475; }
        .example img { image-rendering: pixelated; display: block; border: 1px solid #ccd; }
        .example figcaption.caption { font-size: .85rem; margin-top: .4rem; }
        .flipped { color: #c0392b; font-weight: 600; }
        footer { margin-top: 2rem; font-size: .8rem; color: #5b6475; }
        """;
}
