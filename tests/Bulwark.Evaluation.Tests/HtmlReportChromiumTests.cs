using System.Diagnostics;
using System.Text.RegularExpressions;
using Bulwark.TestKit;
using Xunit.Abstractions;

namespace Bulwark.Evaluation.Tests;

/// <summary>The page opened in headless Chromium: the charts drawn, the images decoded, no console message, a screenshot.</summary>
public sealed class HtmlReportChromiumTests(ITestOutputHelper output)
{
    private const int Width = 1200;
    private const int Height = 2000;

    [ChromiumFact(needsVegaBundles: true)]
    public void Should_draw_every_chart_and_decode_every_image_When_the_page_is_opened_offline_in_chromium()
    {
        // Given: the installed bundles
        var report = SampleReports.Full();
        using var folder = new TemporaryFolder();
        var clock = Stopwatch.StartNew();
        var page = HtmlReport.Render(report);
        var renderTime = clock.Elapsed;
        var html = folder["report.html"];
        File.WriteAllText(html, page);
        var charts = HtmlReport.Charts(report).Count;
        var images = 3 * report.Examples.Count;

        // When
        var dom = Chromium.DumpDom(html, folder["profile"]);
        var screenshot = Chromium.Screenshot(html, folder["screenshot.png"], folder["profile"], Width, Height);

        // Then: vega-embed drew one SVG per chart, Chromium decoded every PNG, and the page printed nothing
        var png = File.ReadAllBytes(folder["screenshot.png"]);
        Report(page, renderTime, dom, screenshot, png);
        dom.StandardOutput.ShouldContain($"data-charts=\"{charts}/{charts}\"");
        dom.StandardOutput.ShouldContain($"data-images=\"{images}/{images}\"");
        Regex.Matches(dom.StandardOutput, "data-rendered=\"true\"").Count.ShouldBe(charts);
        Regex.Matches(dom.StandardOutput, "<svg[^>]*class=\"marks\"").Count.ShouldBe(charts);
        dom.StandardOutput.ShouldNotContain("data-rendered=\"error\"");
        dom.ConsoleMessages.ShouldBeEmpty();
        screenshot.ConsoleMessages.ShouldBeEmpty();
        CheckScreenshot(png);
    }

    [ChromiumFact]
    public void Should_show_the_note_tables_and_images_When_the_page_has_no_bundles()
    {
        // Given: an empty bundle folder
        var report = SampleReports.Full();
        using var folder = new TemporaryFolder();
        var html = folder["report.html"];
        File.WriteAllText(html, HtmlReport.Render(report, folder.Path));

        // When
        var dom = Chromium.DumpDom(html, folder["profile"]);

        // Then
        output.WriteLine($"chromium --dump-dom: {dom.Elapsed.TotalSeconds:0.00} s; stderr:\n{Chromium.Interesting(dom.StandardError)}");
        dom.StandardOutput.ShouldContain("id=\"charts-missing\"");
        dom.StandardOutput.ShouldContain($"data-images=\"{3 * report.Examples.Count}/{3 * report.Examples.Count}\"");
        Regex.Matches(dom.StandardOutput, "<tr class=\"attack\">").Count.ShouldBe(report.Attacks.Count);
        dom.StandardOutput.ShouldNotContain("<svg");
        dom.ConsoleMessages.ShouldBeEmpty();
    }

    private void Report(string page, TimeSpan renderTime, Chromium.Result dom, Chromium.Result screenshot, byte[] png)
    {
        output.WriteLine($"page: {page.Length} chars, {System.Text.Encoding.UTF8.GetByteCount(page)} bytes; rendered in {renderTime.TotalMilliseconds:0} ms");
        output.WriteLine($"chromium --dump-dom: {dom.Elapsed.TotalSeconds:0.00} s; --screenshot: {screenshot.Elapsed.TotalSeconds:0.00} s, {png.Length} bytes");
        output.WriteLine($"chromium stderr (without D-Bus/GPU noise):\n{Chromium.Interesting(dom.StandardError)}\n---\n{Chromium.Interesting(screenshot.StandardError)}");
        if (Environment.GetEnvironmentVariable("BULWARK_KEEP_SCREENSHOT") is { Length: > 0 } keep)
        {
            // for a person to look at: the screenshot and the page beside it
            File.WriteAllBytes(keep, png);
            File.WriteAllText(Path.ChangeExtension(keep, ".html"), page);
            output.WriteLine($"screenshot kept at {keep}, page at {Path.ChangeExtension(keep, ".html")}");
        }
    }

    private static void CheckScreenshot(byte[] png)
    {
        var image = PngDecoder.Decode(png);
        (image.Width, image.Height).ShouldBe((Width, Height));

        // Not blank: a real share of the pixels is not the white background, in many colours
        var pixels = image.Width * image.Height;
        var inked = 0;
        var colours = new HashSet<int>();
        for (var p = 0; p < pixels; p++)
        {
            var o = p * image.Channels;
            var rgb = image.Channels >= 3 ? (image.Pixels[o] << 16) | (image.Pixels[o + 1] << 8) | image.Pixels[o + 2] : image.Pixels[o] * 0x010101;
            colours.Add(rgb);
            if (rgb != 0xFFFFFF)
            {
                inked++;
            }
        }

        ((double)inked / pixels).ShouldBeGreaterThan(0.03);
        colours.Count.ShouldBeGreaterThan(100);
    }
}
