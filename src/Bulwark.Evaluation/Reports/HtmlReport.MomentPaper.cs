using System.Text;

namespace Bulwark.Evaluation;

public static partial class HtmlReport
{
    /// <summary>The moment-regularizer paper's Table 4 row, then per attack its success rate and energies.</summary>
    private static void AppendMomentPaperTable(StringBuilder html, RobustnessReport report)
    {
        if (report.MomentPaper is not { } table)
        {
            return;
        }

        html.Append("<section id=\"moment-paper\">\n<h2>Table 4 (moment-regularizer paper)</h2>\n<p class=\"note\">Mean energy ")
            .Append(Escape(MomentPaperTable.EnergyDefinition)).Append(" of the smallest perturbation found that changes the prediction, over the ")
            .Append(table.Correct.ToString(Invariant)).Append(" inputs classified correctly that the attack broke.</p>\n")
            .Append("<table class=\"summary\">\n<thead><tr>");
        foreach (var attack in table.Attacks)
        {
            html.Append("<th>").Append(Escape(attack.Column)).Append("</th>");
        }

        html.Append("<th>GNR</th><th>ACC</th></tr></thead>\n<tbody>\n<tr class=\"table4\">");
        foreach (var attack in table.Attacks)
        {
            html.Append("<td>").Append(Scientific(attack.MeanEnergy)).Append("</td>");
        }

        html.Append("<td>").Append(report.Gnr is { } gnr ? Percent(gnr.Gnr) : "&#8212;").Append("</td><td>").Append(Percent(report.CleanAccuracy))
            .Append("</td></tr>\n</tbody>\n</table>\n<h3>Per attack</h3>\n")
            .Append("<table class=\"summary\">\n<thead><tr><th>Column</th><th>Attack</th><th>Norm searched</th><th>Success rate</th>")
            .Append("<th>Mean energy</th><th>Median energy</th><th>Gradients</th><th>Time</th></tr></thead>\n<tbody>\n");
        foreach (var attack in table.Attacks)
        {
            html.Append("<tr class=\"energy\"><td>").Append(Escape(attack.Column)).Append("</td><td>").Append(Escape(attack.Attack))
                .Append("</td><td>").Append(Escape(NormName(attack.Norm))).Append("</td><td>").Append(Percent(attack.SuccessRate))
                .Append("</td><td>").Append(Scientific(attack.MeanEnergy)).Append("</td><td>").Append(Scientific(attack.MedianEnergy))
                .Append("</td><td>").Append(attack.GradientEvaluations.ToString(Invariant))
                .Append("</td><td>").Append(Seconds(attack.Seconds)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    /// <summary>An energy as the paper prints it: "1.02 × 10<sup>−3</sup>".</summary>
    private static string Scientific(double? value)
    {
        if (value is not { } v || !double.IsFinite(v))
        {
            return "&#8212;";
        }

        var (mantissa, exponent) = MomentPaperTable.Scientific(v);
        return exponent == 0 ? mantissa : $"{mantissa} &#215; 10<sup>{exponent.ToString(Invariant).Replace("-", "&#8722;", StringComparison.Ordinal)}</sup>";
    }
}
