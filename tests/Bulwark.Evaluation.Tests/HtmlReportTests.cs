using System.Net;
using System.Text.Json.Nodes;
using Bulwark.TestKit;

namespace Bulwark.Evaluation.Tests;

public sealed class HtmlReportTests
{
    // Inline JavaScript that would end its script element early, or change the parser's state, if copied as it is.
    private const string ScriptBreaker = "var s = \"</script><b>out</b><!--<SCRIPT>\";";

    [Fact]
    public void Should_escape_every_string_from_the_report_When_rendering()
    {
        // Given
        var report = SampleReports.Full();
        using var folder = new TemporaryFolder();

        // When
        var page = HtmlReport.Render(report, folder.Path);
        var visible = HtmlPage.WithoutScripts(page);

        // Then: the raw strings never appear; their HTML-encoded forms (by the framework's encoder) do
        foreach (var text in new[] { SampleReports.HostileModel, SampleReports.HostileAttack, SampleReports.HostileWarning, report.Run, "eps-zero-<accuracy>" })
        {
            page.ShouldNotContain(text);
            visible.ShouldContain(WebUtility.HtmlEncode(text));
        }

        visible.ShouldNotContain("<img src=x");
        visible.ShouldNotContain("<b>");
        HtmlPage.Count(page, "<script").ShouldBe(HtmlPage.Scripts(page).Count);
    }

    [Fact]
    public void Should_show_the_header_and_every_attack_and_worst_case_When_rendering()
    {
        // Given
        var report = SampleReports.Full();
        using var folder = new TemporaryFolder();

        // When
        var page = HtmlReport.Render(report, folder.Path);

        // Then
        HtmlPage.Count(page, "<tr class=\"attack\">").ShouldBe(report.Attacks.Count);
        HtmlPage.Count(page, "<tr class=\"worst\">").ShouldBe(report.WorstCase.Count);
        foreach (var attack in report.Attacks)
        {
            page.ShouldContain("<tr class=\"attack\"><td>" + WebUtility.HtmlEncode(attack.Attack) + "</td>");
        }

        foreach (var fact in new[] { "mnist", "200", "98.5%", "42", "2025-11-21T18:00:00Z" })
        {
            page.ShouldContain("</dt><dd>" + fact + "</dd>");
        }

        page.ShouldContain("2 sanity checks failed");
        page.ShouldContain("role=\"alert\"");
    }

    [Fact]
    public void Should_carry_every_curve_and_norm_into_the_chart_specs_When_rendering_with_bundles()
    {
        // Given
        var report = SampleReports.Full();
        using var folder = new TemporaryFolder();
        WriteFakeBundles(folder.Path, nodeModulesLayout: true);

        // When
        var charts = HtmlPage.Charts(HtmlReport.Render(report, folder.Path));

        // Then: one robust-accuracy chart per norm whose rows are exactly the report's (ε, accuracy) pairs
        var specs = charts.ToDictionary(c => c!["id"]!.GetValue<string>(), c => c!["spec"]!.AsObject());
        var norms = report.Attacks.Select(a => a.Norm).Distinct().ToList();
        for (var n = 0; n < norms.Count; n++)
        {
            var rows = Rows(specs[$"chart-robust-{n}"]);
            var expected = report.Attacks.Where(a => a.Norm == norms[n])
                .SelectMany(a => a.Epsilons.Zip(a.RobustAccuracy, (e, r) => (a.Attack, e, r)))
                .Concat(report.WorstCase.Where(w => w.Norm == norms[n]).SelectMany(w => w.Epsilons.Zip(w.RobustAccuracy, (e, r) => ("worst case", e, r))));
            rows.Select(r => (r["series"]!.GetValue<string>(), r["epsilon"]!.GetValue<double>(), r["accuracy"]!.GetValue<double>()))
                .ShouldBe(expected);
        }

        // the GNR and noise curves, and a histogram of the finite norms of each minimum-norm attack
        Rows(specs["chart-gnr"]).Select(r => r["agreement"]!.GetValue<double>()).ShouldBe(report.Gnr!.Agreement);
        Rows(specs["chart-noise"]).Count.ShouldBe(report.Noise.Sum(n => 2 * n.Sigmas.Count));
        var minimumNorm = report.Attacks.Where(a => a.Kind == "minimum-norm").ToList();
        minimumNorm.Count.ShouldBe(3);
        for (var m = 0; m < minimumNorm.Count; m++)
        {
            Rows(specs[$"chart-norms-{m}"]).Select(r => r["norm"]!.GetValue<double>()).ShouldBe(minimumNorm[m].Norms.Where(double.IsFinite));
        }

        specs.Count.ShouldBe(norms.Count + 2 + minimumNorm.Count);
    }

    [Fact]
    public void Should_inline_the_bundles_in_load_order_and_guard_script_ends_When_bundles_are_found()
    {
        foreach (var nodeModulesLayout in new[] { true, false })
        {
            // Given: bundles whose text would break out of a script element
            var report = SampleReports.Full();
            using var folder = new TemporaryFolder();
            WriteFakeBundles(folder.Path, nodeModulesLayout);

            // When
            var page = HtmlReport.Render(report, folder.Path);
            var scripts = HtmlPage.Scripts(page);

            // Then: every script element ends where it should; the bundles come first, in load order, and mean the same
            HtmlPage.Count(page, "<script").ShouldBe(6);
            scripts.Count.ShouldBe(6);
            scripts.Take(3).Select(s => s.Attributes).ShouldBe([" data-package=\"vega\"", " data-package=\"vega-lite\"", " data-package=\"vega-embed\""]);
            foreach (var (_, text) in scripts.Take(3))
            {
                text.ShouldContain("\\x3C/script>");
                text.Replace("\\x3C", "<", StringComparison.Ordinal).ShouldContain(ScriptBreaker);
            }

            page.ShouldNotContain("id=\"charts-missing\"");
            if (nodeModulesLayout)
            {
                page.ShouldContain("vega 5.0.1, vega-lite 5.0.2, vega-embed 6.0.3");
            }
        }
    }

    [Fact]
    public void Should_keep_the_tables_and_images_and_say_why_there_are_no_charts_When_the_bundles_are_missing()
    {
        // Given: an empty folder
        var report = SampleReports.Full();
        using var folder = new TemporaryFolder();

        // When
        var page = HtmlReport.Render(report, folder.Path);

        // Then
        page.ShouldContain("id=\"charts-missing\"");
        page.ShouldContain(WebUtility.HtmlEncode(folder.Path));
        HtmlPage.Count(page, "<tr class=\"attack\">").ShouldBe(report.Attacks.Count);
        HtmlPage.PngImages(page).Count.ShouldBe(3 * report.Examples.Count);
        HtmlPage.Scripts(page).Count.ShouldBe(1); // only the image check
        HtmlPage.Count(page, ": chart not drawn.").ShouldBe(HtmlReport.Charts(report).Count);
    }

    [Fact]
    public void Should_decode_to_the_quantised_pixels_When_reading_back_every_example_image()
    {
        // Given
        var report = SampleReports.Full();
        using var folder = new TemporaryFolder();

        // When
        var images = HtmlPage.PngImages(HtmlReport.Render(report, folder.Path)).Select(PngDecoder.Decode).ToList();

        // Then: clean, adversarial, perturbation per example, pixels interleaved from [C, H, W]
        images.Count.ShouldBe(3 * report.Examples.Count);
        for (var e = 0; e < report.Examples.Count; e++)
        {
            var example = report.Examples[e];
            var (channels, height, width) = (example.Shape[0], example.Shape[1], example.Shape[2]);
            var (clean, adversarial, perturbation) = (images[3 * e], images[3 * e + 1], images[3 * e + 2]);
            foreach (var image in new[] { clean, adversarial, perturbation })
            {
                (image.Width, image.Height, image.Channels).ShouldBe((width, height, channels));
            }

            var maxAbs = example.Clean.Zip(example.Adversarial, (c, a) => Math.Abs((double)a - c)).Max();
            maxAbs.ShouldBeGreaterThan(0);
            for (var c = 0; c < channels; c++)
            {
                for (var p = 0; p < height * width; p++)
                {
                    var source = c * height * width + p;
                    var target = p * channels + c;
                    clean.Pixels[target].ShouldBe(Quantise(example.Clean[source]));
                    adversarial.Pixels[target].ShouldBe(Quantise(example.Adversarial[source]));

                    // δ/max|δ| in [−1, 1] shown linearly in [0, 255] to within rounding: grey at 0, black and white at the ends
                    var delta = (double)example.Adversarial[source] - example.Clean[source];
                    var shown = (perturbation.Pixels[target] - 127.5) / 127.5;
                    Math.Abs(shown - delta / maxAbs).ShouldBeLessThanOrEqualTo(1.0 / 255 + 1e-9);
                    if (Math.Abs(delta) == maxAbs)
                    {
                        perturbation.Pixels[target].ShouldBe(delta > 0 ? (byte)255 : (byte)0);
                    }
                }
            }
        }
    }

    [Fact]
    public void Should_list_each_ensemble_member_under_its_attack_When_the_attack_is_an_ensemble()
    {
        // Given
        var report = SampleReports.Minimal();
        var ensemble = report.Attacks[0] with
        {
            Attack = "autoattack",
            Members =
            [
                new EnsembleMemberReport { Attack = "apgd-ce", RobustAccuracy = [0.2] },
                new EnsembleMemberReport { Attack = "apgd-<t>", RobustAccuracy = [0.1] },
            ],
        };

        // When
        var page = HtmlReport.Render(report with { Attacks = [ensemble] }, "/nonexistent");

        // Then: one row per member after the attack's row, in order
        HtmlPage.Count(page, "<tr class=\"attack\">").ShouldBe(1);
        HtmlPage.Count(page, "<tr class=\"member\">").ShouldBe(2);
        var first = page.IndexOf("&#8627; apgd-ce", StringComparison.Ordinal);
        first.ShouldBeGreaterThan(page.IndexOf("<td>autoattack</td>", StringComparison.Ordinal));
        page.IndexOf("&#8627; apgd-&lt;t&gt;", StringComparison.Ordinal).ShouldBeGreaterThan(first);
    }

    [Fact]
    public void Should_render_without_optional_sections_When_the_report_has_only_one_attack()
    {
        // Given
        var report = SampleReports.Minimal();
        using var folder = new TemporaryFolder();

        // When
        var page = HtmlReport.Render(report, folder.Path);

        // Then
        page.ShouldContain("No sanity check failed.");
        page.ShouldNotContain("id=\"examples\"");
        page.ShouldNotContain("id=\"worst-case\"");
        HtmlReport.Charts(report).Select(c => c.Id).ShouldBe(["chart-robust-0"]);
        page.ShouldEndWith("</html>\n");
    }

    [Fact]
    public void Should_throw_with_the_example_named_When_its_shape_disagrees_with_its_pixels()
    {
        // Given
        var good = SampleReports.Full().Examples[0];
        var wrongCount = good with { Shape = [1, 28, 27] };
        var fourChannels = good with { Shape = [4, 14, 14] };
        var report = SampleReports.Minimal();

        // When / Then
        Should.Throw<ArgumentException>(() => HtmlReport.Render(report with { Examples = [wrongCount] }, "/nonexistent"))
            .Message.ShouldContain("example 3 (pgd): shape [1, 28, 27] needs 756 values");
        Should.Throw<ArgumentException>(() => HtmlReport.Render(report with { Examples = [fourChannels] }, "/nonexistent"))
            .Message.ShouldContain("got 4");
        Should.Throw<ArgumentNullException>(() => HtmlReport.Render(null!));
    }

    [Fact]
    public void Should_turn_every_script_end_and_comment_open_into_an_escape_When_guarding_script_text()
    {
        // Given
        const string script = "a = '</SCRIPT >' + \"<script>\" + `<!-- x` + /<\\/script>/.source; b = 1 < 2;";

        // When
        var guarded = HtmlReport.GuardScript(script);

        // Then
        HtmlPage.Count(guarded, "</script").ShouldBe(0);
        HtmlPage.Count(guarded, "<script").ShouldBe(0);
        HtmlPage.Count(guarded, "<!--").ShouldBe(0);
        guarded.ShouldContain("1 < 2");
        guarded.Replace("\\x3C", "<", StringComparison.Ordinal).ShouldBe(script);
    }

    [Fact]
    public void Should_prefer_the_explicit_folder_then_the_environment_then_home_When_resolving_the_bundle_folder()
    {
        string? Environment(string name) => name == VegaBundles.EnvironmentVariable ? "/opt/js" : null;

        VegaBundles.ResolveWith("/srv/js", Environment, "/home/u").ShouldBe("/srv/js");
        VegaBundles.ResolveWith("~/js", Environment, "/home/u").ShouldBe("/home/u/js");
        VegaBundles.ResolveWith(null, Environment, "/home/u").ShouldBe("/opt/js");
        VegaBundles.ResolveWith(" ", _ => null, "/home/u").ShouldBe("/home/u/.bulwark/js");
    }

    private static byte Quantise(float value) => (byte)Math.Floor(Math.Clamp((double)value, 0, 1) * 255 + 0.5);

    private static List<JsonObject> Rows(JsonObject spec) => spec["data"]!["values"]!.AsArray().Select(r => r!.AsObject()).ToList();

    private static void WriteFakeBundles(string folder, bool nodeModulesLayout)
    {
        var versions = new Dictionary<string, string> { ["vega"] = "5.0.1", ["vega-lite"] = "5.0.2", ["vega-embed"] = "6.0.3" };
        foreach (var (package, version) in versions)
        {
            var script = $"/* {package} */ {ScriptBreaker}";
            if (nodeModulesLayout)
            {
                var build = Directory.CreateDirectory(Path.Combine(folder, "node_modules", package, "build")).FullName;
                File.WriteAllText(Path.Combine(build, package + ".min.js"), script);
                File.WriteAllText(Path.Combine(folder, "node_modules", package, "package.json"), $"{{\"name\":\"{package}\",\"version\":\"{version}\"}}");
            }
            else
            {
                File.WriteAllText(Path.Combine(folder, package + ".min.js"), script);
            }
        }
    }
}
