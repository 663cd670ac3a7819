using System.Net;
using System.Text.RegularExpressions;
using Bulwark.Defenses.Tests;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Bulwark.Evaluation.Tests;
using Bulwark.TestKit;

namespace Bulwark.Experiments.Tests;

public sealed partial class GaussianStudyReportTests
{
    private static readonly StudyRunResult[] Runs =
    [
        StudyResults.Of(StudyRun.Baseline, 0.985, 0.70),
        StudyResults.Of(StudyRun.Regularizer(0.25, 1), 0.987, 0.80),
        StudyResults.Of(StudyRun.Regularizer(0.5, 1), 0.970, 0.95),
        StudyResults.Of(StudyRun.Augmentation(2, 0.25), 0.982, 0.75),
        StudyResults.Of(StudyRun.Augmentation(2, 0.5), 0.981, 0.78),
    ];

    private static GaussianStudyResult Study(bool quick = false) => new()
    {
        Settings = new GaussianStudySettings
        {
            Dataset = "mnist",
            Model = TinyRuns.Mlp(),
            Protocol = new TrainerOptions { Epochs = 3 },
            TrainImages = 6000,
            TestImages = 1000,
            Gnr = new GaussianNoiseRobustnessOptions(),
        },
        Sigmas = [0.25, 0.5],
        Alphas = [1],
        AugmentationFolds = [2],
        MaxAugmentationSigma = 1,
        Quick = quick,
        Grid = [.. Runs.Select(r => r.Run)],
        Runs = Runs,
        Comparison = FairComparison.Of(Runs, tolerance: 0.5),
        Updated = "2025-01-01T00:00:00Z",
    };

    [Fact]
    public void Should_PlotAccuracyAndGnrAgainstSigmaPerSeriesFromTheBaseline_When_RenderedAsHtml()
    {
        // Given
        using var scripts = FakeBundles();

        // When
        var page = GaussianStudyReport.RenderHtml(Study(), scripts.Path);

        // Then: two charts over the same rows; every line starts at the baseline (σ = 0) and holds its runs in σ order
        var charts = HtmlPage.Charts(page);
        charts.Select(c => (string)c!["id"]!).ShouldBe(["chart-accuracy", "chart-gnr"]);
        foreach (var (chart, field, value) in new[]
                 {
                     (charts[0]!, "accuracy", (Func<StudyRunResult, double>)(r => r.TestAccuracy)),
                     (charts[1]!, "gnr", r => r.Gnr),
                 })
        {
            chart["spec"]!["encoding"]!["y"]!["field"]!.GetValue<string>().ShouldBe(field);
            var rows = chart["spec"]!["data"]!["values"]!.AsArray().Select(r => r!.AsObject()).ToList();
            var expected = new[] { "regularizer α=1", "augmentation 2 folds" }.SelectMany(series =>
                Runs.Where(r => r.Run.Method == StudyMethod.Baseline || r.Run.Series == series)
                    .Select(r => (series, r.Run.Sigma, value(r))));
            rows.Select(r => ((string)r["series"]!, (double)r["sigma"]!, (double)r[field]!)).ShouldBe(expected);
        }
    }

    [Fact]
    public void Should_TableTheFairComparisonAndEveryRun_When_RenderedAsHtml()
    {
        // Given
        using var scripts = FakeBundles();
        var study = Study();

        // When
        var page = HtmlPage.WithoutScripts(GaussianStudyReport.RenderHtml(study, scripts.Path));

        // Then: the 0.5-pp bar (98.0 %) drops the regularizer's σ = 0.5 run although its GNR is the highest
        var fair = TableRows(Section(page, "fair-comparison"));
        fair.Select(r => (r[0], r[1])).ShouldBe(
        [
            ("baseline", "baseline"),
            ("regularizer", StudyRun.Regularizer(0.25, 1).Name),
            ("augmentation", StudyRun.Augmentation(2, 0.5).Name),
        ]);
        fair[1][4].ShouldBe("98.70%");
        fair[1][5].ShouldBe("0.8000");
        fair[1][6].ShouldBe("1 of 2");
        TableRows(Section(page, "runs")).Select(r => r[0]).ShouldBe(study.Runs.Select(r => r.Run.Name));
    }

    [Fact]
    public void Should_TableTheComparisonAndSayQuickMode_When_RenderedAsMarkdown()
    {
        // When
        var text = GaussianStudyReport.RenderMarkdown(Study(quick: true));

        // Then
        text.ShouldContain("Quick smoke mode");
        var fair = MarkdownTable(text, "## Fair comparison");
        fair.Select(r => r[1]).ShouldBe(["baseline", StudyRun.Regularizer(0.25, 1).Name, StudyRun.Augmentation(2, 0.5).Name]);
        fair.Select(r => r[5]).ShouldBe(["0.7000", "0.8000", "0.7800"]);
        var runs = MarkdownTable(text, "## Runs");
        runs.Select(r => (r[0], r[4])).ShouldBe(Runs.Select(r => (r.Run.Name, $"{r.TestAccuracy * 100:F2}%")));
    }

    [Fact]
    public void Should_ReadBackTheSameStudy_When_WrittenAsJson()
    {
        // Given
        using var folder = new TemporaryFolder();
        var study = Study();

        // When
        GaussianStudyReport.Write(study, folder.Path);
        var read = GaussianStudyReport.Read(Path.Combine(folder.Path, GaussianStudy.JsonFileName));

        // Then
        read.Runs.Select(r => (r.Run, r.TestAccuracy, r.Gnr)).ShouldBe(study.Runs.Select(r => (r.Run, r.TestAccuracy, r.Gnr)));
        read.Comparison!.Entries.Select(e => e.Best?.Run).ShouldBe(study.Comparison!.Entries.Select(e => e.Best?.Run));
        File.Exists(Path.Combine(folder.Path, GaussianStudy.HtmlFileName)).ShouldBeTrue();
    }

    /// <summary>A folder with stand-ins for the three chart bundles, so that the page inlines its chart specifications.</summary>
    private static TemporaryFolder FakeBundles()
    {
        var folder = new TemporaryFolder();
        foreach (var package in new[] { "vega", "vega-lite", "vega-embed" })
        {
            File.WriteAllText(folder[package + ".min.js"], "/* stand-in */");
        }

        return folder;
    }

    private static string Section(string page, string id) =>
        Regex.Match(page, $"<section id=\"{id}\">(.*?)</section>", RegexOptions.Singleline).Groups[1].Value;

    private static List<string[]> TableRows(string html) =>
        BodyRow().Matches(html.Split("<tbody>")[1])
            .Select(row => Cell().Matches(row.Value).Select(c => WebUtility.HtmlDecode(c.Groups[1].Value)).ToArray()).ToList();

    /// <summary>The body rows of the first table after <paramref name="heading"/>, cells trimmed.</summary>
    private static List<string[]> MarkdownTable(string text, string heading) =>
        text[text.IndexOf(heading, StringComparison.Ordinal)..].Split('\n')
            .SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).Skip(2)
            .Select(l => l.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray()).ToList();

    [GeneratedRegex("<tr>(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex BodyRow();

    [GeneratedRegex("<td>(.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex Cell();
}
