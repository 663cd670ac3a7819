using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bulwark.Evaluation;

public static partial class HtmlReport
{
    /// <summary>One Vega-Lite chart: the element it is drawn into, what it shows, and its specification.</summary>
    internal sealed record Chart(string Id, string Title, JsonObject Spec);

    internal const int ChartWidth = 380;
    internal const int ChartHeight = 260;
    private const string WorstCaseSeries = "worst case";

    /// <summary>The page's charts, in page order; a chart with no data is left out.</summary>
    internal static List<Chart> Charts(RobustnessReport report)
    {
        var charts = new List<Chart>();
        var norms = report.Attacks.Select(a => a.Norm).Concat(report.WorstCase.Select(w => w.Norm)).Distinct().ToList();
        for (var n = 0; n < norms.Count; n++)
        {
            var norm = norms[n];
            var rows = new JsonArray();
            foreach (var attack in report.Attacks.Where(a => a.Norm == norm))
            {
                AddCurve(rows, attack.Attack, "attack", attack.Epsilons, attack.RobustAccuracy);
            }

            foreach (var worst in report.WorstCase.Where(w => w.Norm == norm))
            {
                AddCurve(rows, WorstCaseSeries, WorstCaseSeries, worst.Epsilons, worst.RobustAccuracy);
            }

            if (rows.Count == 0)
            {
                continue;
            }

            var title = $"Robust accuracy against ε, {NormName(norm)}";
            charts.Add(new Chart($"chart-robust-{n}", title, new JsonObject
            {
                ["title"] = title,
                ["width"] = ChartWidth,
                ["height"] = ChartHeight,
                ["data"] = new JsonObject { ["values"] = rows },
                ["mark"] = new JsonObject { ["type"] = "line", ["point"] = true, ["tooltip"] = true },
                ["encoding"] = new JsonObject
                {
                    ["x"] = Field("epsilon", "quantitative", $"ε ({NormName(norm)})"),
                    ["y"] = Fraction("accuracy", "robust accuracy"),
                    ["color"] = Field("series", "nominal", "attack"),
                    // the worst case is a series of its own colour, dashed; the colour legend names it
                    ["strokeDash"] = new JsonObject { ["field"] = "kind", ["type"] = "nominal", ["legend"] = null },
                },
            }));
        }

        if (report.Gnr is { } gnr && gnr.Sigmas.Count > 0)
        {
            var rows = new JsonArray();
            for (var i = 0; i < Math.Min(gnr.Sigmas.Count, gnr.Agreement.Count); i++)
            {
                rows.Add(new JsonObject { ["sigma"] = Value(gnr.Sigmas[i]), ["agreement"] = Value(gnr.Agreement[i]) });
            }

            const string title = "Gaussian-noise robustness";
            charts.Add(new Chart("chart-gnr", title, new JsonObject
            {
                ["title"] = new JsonObject
                {
                    ["text"] = title,
                    ["subtitle"] = $"GNR = {Number(gnr.Gnr)} (normalised area under the curve; σ scaled by r = {Number(gnr.InputRange)})",
                },
                ["width"] = ChartWidth,
                ["height"] = ChartHeight,
                ["data"] = new JsonObject { ["values"] = rows },
                ["mark"] = new JsonObject { ["type"] = "area", ["line"] = true, ["point"] = true, ["opacity"] = 0.25, ["tooltip"] = true },
                ["encoding"] = new JsonObject
                {
                    ["x"] = Field("sigma", "quantitative", "σ"),
                    ["y"] = Fraction("agreement", "agreement with the clean prediction"),
                },
            }));
        }

        if (report.Noise.Count > 0)
        {
            var rows = new JsonArray();
            foreach (var noise in report.Noise)
            {
                var distribution = noise.Distribution.ToString().ToLowerInvariant();
                for (var i = 0; i < noise.Sigmas.Count; i++)
                {
                    rows.Add(NoiseRow(distribution, "clipped to the box", noise.Sigmas[i], i < noise.Accuracy.Count ? noise.Accuracy[i] : double.NaN));
                    rows.Add(NoiseRow(distribution, "unclipped", noise.Sigmas[i], i < noise.UnclippedAccuracy.Count ? noise.UnclippedAccuracy[i] : double.NaN));
                }
            }

            const string title = "Accuracy under random noise";
            charts.Add(new Chart("chart-noise", title, new JsonObject
            {
                ["title"] = title,
                ["width"] = ChartWidth,
                ["height"] = ChartHeight,
                ["data"] = new JsonObject { ["values"] = rows },
                // no point marks: with them the strokeDash legend draws circles, and solid and dashed look alike
                ["mark"] = new JsonObject { ["type"] = "line", ["tooltip"] = true },
                ["encoding"] = new JsonObject
                {
                    ["x"] = Field("sigma", "quantitative", "noise standard deviation σ"),
                    ["y"] = Fraction("accuracy", "accuracy"),
                    ["color"] = Field("distribution", "nominal", "noise"),
                    ["strokeDash"] = Field("clipping", "nominal", "inputs"),
                },
            }));
        }

        var minimumNorm = report.Attacks.Where(a => a.Kind == "minimum-norm").ToList();
        for (var m = 0; m < minimumNorm.Count; m++)
        {
            var attack = minimumNorm[m];
            var rows = new JsonArray();
            foreach (var norm in attack.Norms.Where(double.IsFinite))
            {
                rows.Add(new JsonObject { ["norm"] = norm });
            }

            if (rows.Count == 0)
            {
                continue;
            }

            var title = $"Minimum {NormName(attack.Norm)} norms, {attack.Attack}";
            charts.Add(new Chart($"chart-norms-{m}", title, new JsonObject
            {
                ["title"] = new JsonObject
                {
                    ["text"] = title,
                    ["subtitle"] = $"{rows.Count} inputs broken; median {Number(attack.MedianNorm)}",
                },
                ["width"] = ChartWidth,
                ["height"] = ChartHeight,
                ["data"] = new JsonObject { ["values"] = rows },
                ["mark"] = new JsonObject { ["type"] = "bar", ["tooltip"] = true },
                ["encoding"] = new JsonObject
                {
                    ["x"] = new JsonObject
                    {
                        ["field"] = "norm", ["type"] = "quantitative", ["title"] = $"perturbation norm ({NormName(attack.Norm)})",
                        ["bin"] = new JsonObject { ["maxbins"] = 30 },
                    },
                    ["y"] = new JsonObject { ["aggregate"] = "count", ["type"] = "quantitative", ["title"] = "inputs" },
                },
            }));
        }

        return charts;
    }

    internal static void AppendCharts(StringBuilder html, IReadOnlyList<Chart> charts, LoadedBundles? bundles, string searched)
    {
        html.Append("<section id=\"charts\">\n<h2>Charts</h2>\n");
        if (charts.Count == 0)
        {
            html.Append("<p class=\"note\">Nothing to plot.</p>\n</section>\n");
            return;
        }

        if (bundles is null)
        {
            html.Append("<p class=\"chart-missing\" id=\"charts-missing\"><strong>Charts not drawn:</strong> the vega, vega-lite and vega-embed ")
                .Append("bundles were not found in <code>").Append(Escape(searched)).Append("</code>. Run <code>scripts/setup.sh</code> (it installs them ")
                .Append("with npm), or set <code>").Append(VegaBundles.EnvironmentVariable).Append("</code> to the folder holding them, and write the ")
                .Append("report again. The tables above hold the same numbers.</p>\n");
        }

        html.Append("<div class=\"charts\">\n");
        foreach (var chart in charts)
        {
            // The placeholder shows until vega-embed replaces it (or for good, without the bundles).
            html.Append("<div class=\"chart\" id=\"").Append(chart.Id).Append("\"><p class=\"chart-missing\">")
                .Append(Escape(chart.Title)).Append(": chart not drawn.</p></div>\n");
        }

        html.Append("</div>\n</section>\n");
    }

    /// <summary>The charts as JSON: [{ "id": …, "spec": … }], strings escaped so that '&lt;', '&gt;' and '&amp;' never appear.</summary>
    private static string ChartsJson(IReadOnlyList<Chart> charts)
    {
        var array = new JsonArray();
        foreach (var chart in charts)
        {
            array.Add(new JsonObject { ["id"] = chart.Id, ["spec"] = chart.Spec.DeepClone() });
        }

        // The default encoder writes <, >, &, ' and non-ASCII characters as \uXXXX.
        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private static void AddCurve(JsonArray rows, string series, string kind, IReadOnlyList<double> epsilons, IReadOnlyList<double> accuracies)
    {
        for (var i = 0; i < Math.Min(epsilons.Count, accuracies.Count); i++)
        {
            rows.Add(new JsonObject { ["series"] = series, ["kind"] = kind, ["epsilon"] = Value(epsilons[i]), ["accuracy"] = Value(accuracies[i]) });
        }
    }

    private static JsonObject NoiseRow(string distribution, string clipping, double sigma, double accuracy) =>
        new() { ["distribution"] = distribution, ["clipping"] = clipping, ["sigma"] = Value(sigma), ["accuracy"] = Value(accuracy) };

    internal static JsonObject Field(string field, string type, string title) =>
        new() { ["field"] = field, ["type"] = type, ["title"] = title };

    internal static JsonObject Fraction(string field, string title) => new()
    {
        ["field"] = field,
        ["type"] = "quantitative",
        ["title"] = title,
        ["scale"] = new JsonObject { ["domain"] = new JsonArray(0, 1) },
        ["axis"] = new JsonObject { ["format"] = "%" },
    };

    // JSON has no NaN or infinity; Vega-Lite drops a null point from lines and bins.
    internal static JsonNode? Value(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    private const string EmbedScript = """

        (function () {
          var root = document.documentElement;
          var charts = JSON.parse(document.getElementById('bulwark-charts').textContent);
          function fail(element, message) {
            element.className = 'chart chart-error';
            element.setAttribute('data-rendered', 'error');
            element.textContent = 'Chart failed: ' + message;
          }
          if (typeof vegaEmbed !== 'function') {
            charts.forEach(function (chart) { fail(document.getElementById(chart.id), 'vega-embed did not load'); });
            root.setAttribute('data-charts', '0/' + charts.length);
            return;
          }
          var drawn = 0;
          Promise.all(charts.map(function (chart) {
            var element = document.getElementById(chart.id);
            return vegaEmbed(element, chart.spec, { mode: 'vega-lite', renderer: 'svg', actions: false })
              .then(function () { element.setAttribute('data-rendered', 'true'); drawn++; })
              .catch(function (error) { fail(element, String(error && error.message || error)); });
          })).then(function () { root.setAttribute('data-charts', drawn + '/' + charts.length); });
        })();

        """;

    private const string ImageCheckScript = """

        window.addEventListener('load', function () {
          var images = document.querySelectorAll('img');
          var decoded = 0;
          images.forEach(function (image) { if (image.complete && image.naturalWidth > 0) { decoded++; } });
          document.documentElement.setAttribute('data-images', decoded + '/' + images.length);
        });

        """;
}
