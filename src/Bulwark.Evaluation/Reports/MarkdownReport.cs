using System.Globalization;
using System.Text;

namespace Bulwark.Evaluation;

/// <summary>
/// report.md: a <see cref="RobustnessReport"/> as Markdown tables — summary, the moment-regularizer paper's Table 4 row,
/// robust accuracy per attack and ε (with an ensemble's members after it), minimum-norm statistics, the worst case per
/// norm, GNR, noise accuracy, warnings. Fractions print as percentages with two decimals, norms with four, energies in
/// scientific notation with two decimals.
/// </summary>
public static class MarkdownReport
{
    /// <summary>The whole document.</summary>
    public static string Render(RobustnessReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        Line($"# Robustness report: {report.Model} on {report.Dataset}");
        text.AppendLine();
        Line($"| | |");
        Line($"|---|---|");
        Line($"| suite | {report.Suite} |");
        Line($"| run | {report.Run} |");
        Line($"| samples | {report.Samples} |");
        Line($"| clean accuracy | {Percent(report.CleanAccuracy)} |");
        foreach (var worst in report.WorstCase)
        {
            var last = worst.Epsilons.Count - 1;
            if (last >= 0)
            {
                Line($"| worst-case robust accuracy ({worst.Norm}, ε = {Number(worst.Epsilons[last])}) | {Percent(worst.RobustAccuracy[last])} |");
            }
        }

        if (report.Gnr is { } gnr)
        {
            Line($"| GNR | {gnr.Gnr:F4} |");
        }

        Line($"| warnings | {report.Warnings.Count} |");
        Line($"| seed | {report.Seed} |");
        Line($"| created | {report.Created} |");
        Line($"| seconds | {report.Seconds:F1} |");

        if (report.MomentPaper is { } table)
        {
            text.AppendLine();
            Line($"## Table 4 (moment-regularizer paper)");
            text.AppendLine();
            Line($"Mean energy {MomentPaperTable.EnergyDefinition} of the smallest perturbation found that changes the prediction, over the {table.Correct} inputs classified correctly that the attack broke; GNR as a percentage of the full area, ACC on the same inputs.");
            text.AppendLine();
            text.AppendLine("| " + string.Join(" | ", table.Attacks.Select(a => a.Column)) + " | GNR | ACC |");
            text.AppendLine("|" + string.Concat(table.Attacks.Select(_ => "---|")) + "---|---|");
            var gnrPercent = report.Gnr is { } g ? Percent(g.Gnr) : "–";
            text.AppendLine("| " + string.Join(" | ", table.Attacks.Select(a => MomentPaperTable.FormatEnergy(a.MeanEnergy))) + $" | {gnrPercent} | {Percent(report.CleanAccuracy)} |");
            text.AppendLine();
            Line($"| column | attack | norm searched | success rate | mean energy | median energy | gradient evaluations | seconds |");
            Line($"|---|---|---|---|---|---|---|---|");
            foreach (var a in table.Attacks)
            {
                Line($"| {a.Column} | {a.Attack} | {a.Norm} | {Percent(a.SuccessRate)} | {MomentPaperTable.FormatEnergy(a.MeanEnergy)} | {MomentPaperTable.FormatEnergy(a.MedianEnergy)} | {a.GradientEvaluations} | {a.Seconds:F1} |");
            }
        }

        foreach (var norm in report.Attacks.Select(a => a.Norm).Distinct())
        {
            var attacks = report.Attacks.Where(a => a.Norm == norm).ToList();
            var epsilons = attacks[0].Epsilons;
            text.AppendLine();
            Line($"## Robust accuracy ({norm})");
            text.AppendLine();
            text.AppendLine("| attack | " + string.Join(" | ", epsilons.Select(e => $"ε = {Number(e)}")) + " |");
            text.AppendLine("|---|" + string.Concat(epsilons.Select(_ => "---|")));
            foreach (var attack in attacks)
            {
                text.AppendLine($"| {attack.Attack} ({attack.Kind}) | " + string.Join(" | ", attack.RobustAccuracy.Select(Percent)) + " |");
                foreach (var member in attack.Members)
                {
                    text.AppendLine($"| … after {member.Attack} | " + string.Join(" | ", member.RobustAccuracy.Select(Percent)) + " |");
                }
            }

            if (report.WorstCase.FirstOrDefault(w => w.Norm == norm) is { } worst && worst.Epsilons.SequenceEqual(epsilons))
            {
                text.AppendLine("| **worst case** | " + string.Join(" | ", worst.RobustAccuracy.Select(v => $"**{Percent(v)}**")) + " |");
            }
        }

        var minimum = report.Attacks.Where(a => a.Kind == "minimum-norm").ToList();
        if (minimum.Count > 0)
        {
            text.AppendLine();
            Line($"## Minimum-norm attacks");
            text.AppendLine();
            Line($"Over inputs correctly classified and broken; ρ_adv = mean ‖r‖/‖x‖ (second value: over all inputs, misclassified counted 0).");
            text.AppendLine();
            Line($"| attack | norm | success rate | mean norm | median norm | ρ_adv | ρ_adv (all) | gradient evaluations | seconds |");
            Line($"|---|---|---|---|---|---|---|---|---|");
            foreach (var a in minimum)
            {
                Line($"| {a.Attack} | {a.Norm} | {Percent(a.SuccessRate)} | {Optional(a.MeanNorm)} | {Optional(a.MedianNorm)} | {Optional(a.RhoAdversarial)} | {Optional(a.RhoAdversarialAll)} | {a.GradientEvaluations} | {a.Seconds:F1} |");
            }
        }

        if (report.WorstCase.Count > 0)
        {
            text.AppendLine();
            Line($"## Worst case per norm");
            text.AppendLine();
            foreach (var worst in report.WorstCase)
            {
                Line($"**{worst.Norm}** over {string.Join(", ", worst.Attacks)}:");
                text.AppendLine();
                text.AppendLine("| ε | " + string.Join(" | ", worst.Epsilons.Select(Number)) + " |");
                text.AppendLine("|---|" + string.Concat(worst.Epsilons.Select(_ => "---|")));
                text.AppendLine("| robust accuracy | " + string.Join(" | ", worst.RobustAccuracy.Select(Percent)) + " |");
                text.AppendLine();
            }
        }

        if (report.Gnr is { } curve)
        {
            text.AppendLine();
            Line($"## Gaussian-noise robustness (GNR)");
            text.AppendLine();
            Line($"GNR = {curve.Gnr:F4}: normalised area under the agreement-with-clean-prediction curve over {curve.Sigmas.Count} σ in [{Number(curve.Sigmas[0])}, {Number(curve.Sigmas[^1])}] (seed {curve.Seed}).");
            text.AppendLine();
            text.AppendLine("| σ | agreement |");
            text.AppendLine("|---|---|");
            for (var i = 0; i < curve.Sigmas.Count; i++)
            {
                Line($"| {Number(curve.Sigmas[i])} | {Percent(curve.Agreement[i])} |");
            }
        }

        if (report.Noise.Count > 0)
        {
            text.AppendLine();
            Line($"## Accuracy under random noise");
            text.AppendLine();
            var sigmas = report.Noise[0].Sigmas;
            text.AppendLine("| noise | " + string.Join(" | ", sigmas.Select(s => $"σ = {Number(s)}")) + " |");
            text.AppendLine("|---|" + string.Concat(sigmas.Select(_ => "---|")));
            foreach (var noise in report.Noise)
            {
                var name = noise.Distribution.ToString().ToLowerInvariant();
                text.AppendLine($"| {name} (clipped) | " + string.Join(" | ", noise.Accuracy.Select(Percent)) + " |");
                text.AppendLine($"| {name} (unclipped) | " + string.Join(" | ", noise.UnclippedAccuracy.Select(Percent)) + " |");
            }
        }

        text.AppendLine();
        Line($"## Sanity checks");
        text.AppendLine();
        if (report.Warnings.Count == 0)
        {
            Line($"All passed: {(report.MomentPaper is null ? "ε = 0 reproduces clean accuracy, accuracy falls with ε, unbounded attacks break every input, gradients are finite and non-zero, noise does not beat the gradient attacks" : "gradients are finite and non-zero")}.");
        }
        else
        {
            foreach (var warning in report.Warnings)
            {
                Line($"- **{warning.Code}**: {warning.Message}");
            }
        }

        return text.ToString();
    }

    /// <summary>A fraction as a percentage with two decimals, e.g. "98.50%".</summary>
    internal static string Percent(double value) =>
        double.IsNaN(value) ? "n/a" : (value * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";

    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Optional(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "–";
}
