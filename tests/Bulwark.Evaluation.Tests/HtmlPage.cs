using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Bulwark.Evaluation.Tests;

/// <summary>What the tests read back from a rendered page, cut the way an HTML parser cuts it.</summary>
internal static partial class HtmlPage
{
    /// <summary>Each script element's attributes and text: its text ends at the first "&lt;/script", whatever it means in JavaScript.</summary>
    public static IReadOnlyList<(string Attributes, string Text)> Scripts(string page) =>
        ScriptElement().Matches(page).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    /// <summary>The page with every script element removed: the text a reader sees (plus markup).</summary>
    public static string WithoutScripts(string page) => ScriptElement().Replace(page, "");

    /// <summary>The chart list the page hands to vega-embed.</summary>
    public static JsonArray Charts(string page)
    {
        var json = Scripts(page).Single(s => s.Attributes.Contains("id=\"bulwark-charts\"", StringComparison.Ordinal)).Text;
        return JsonNode.Parse(json)!.AsArray();
    }

    /// <summary>The PNG files of the page's images, in page order.</summary>
    public static IReadOnlyList<byte[]> PngImages(string page) =>
        PngDataUri().Matches(page).Select(m => Convert.FromBase64String(m.Groups[1].Value)).ToList();

    /// <summary>How many times <paramref name="text"/> occurs in <paramref name="page"/>, ignoring case.</summary>
    public static int Count(string page, string text) =>
        Regex.Matches(page, Regex.Escape(text), RegexOptions.IgnoreCase).Count;

    [GeneratedRegex(@"<script([^>]*)>(.*?)</script[\s/>]", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex ScriptElement();

    [GeneratedRegex("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex PngDataUri();
}
