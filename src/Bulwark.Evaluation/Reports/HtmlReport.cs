namespace Bulwark.Evaluation;

/// <summary>The self-contained HTML page of a <see cref="RobustnessReport"/>, with its plots inlined so it works offline.</summary>
public static class HtmlReport
{
    /// <summary>The whole page as one string.</summary>
    public static string Render(RobustnessReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        throw new NotImplementedException("the HTML report is not written yet");
    }
}
