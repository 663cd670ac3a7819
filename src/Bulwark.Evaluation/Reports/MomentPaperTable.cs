using System.Globalization;
using System.Text.Json.Serialization;

namespace Bulwark.Evaluation;

/// <summary>
/// One row of the moment-regularizer paper's Table 4 (written by <see cref="MomentPaperSuite"/>): per attack, the
/// minimum energy of a perturbation that changes the prediction, in the column order of the paper (PGD, LBFGS, FGSM,
/// AGA, AUA, DF2). GNR and ACC, the row's last two columns, are the report's <see cref="RobustnessReport.Gnr"/> and
/// <see cref="RobustnessReport.CleanAccuracy"/>.
/// </summary>
public sealed record MomentPaperTable
{
    /// <summary>What an energy is: Foolbox 1.x's default distance, the mean squared distance ‖δ‖₂²/n.</summary>
    public const string EnergyDefinition = "‖δ‖₂²/n";

    /// <summary>One entry per column, in the paper's order.</summary>
    [JsonPropertyName("attacks")]
    public IReadOnlyList<EnergyReport> Attacks { get; init; } = [];

    /// <summary>Inputs the model classified correctly: those the attacks ran on and the energies are over.</summary>
    [JsonPropertyName("correct")]
    public int Correct { get; init; }

    /// <summary>An energy as the paper prints it, e.g. "1.02 × 10⁻³"; "–" for none.</summary>
    public static string FormatEnergy(double? energy)
    {
        if (energy is not { } value)
        {
            return "–";
        }

        var (mantissa, exponent) = Scientific(value);
        const string superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        var power = string.Concat(exponent.ToString(CultureInfo.InvariantCulture).Select(c => c == '-' ? '⁻' : superscripts[c - '0']));
        return exponent == 0 ? mantissa : $"{mantissa} × 10{power}";
    }

    /// <summary>
    /// <paramref name="value"/> as mantissa × 10^exponent with the mantissa rounded to two decimals in [1, 10)
    /// (e.g. 1.02 × 10⁻³, as the paper prints energies); exponent 0 for zero.
    /// </summary>
    internal static (string Mantissa, int Exponent) Scientific(double value)
    {
        if (value == 0 || !double.IsFinite(value))
        {
            return (value.ToString("F2", CultureInfo.InvariantCulture), 0);
        }

        var exponent = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var mantissa = Math.Round(value / Math.Pow(10, exponent), 2);
        if (Math.Abs(mantissa) >= 10)
        {
            // 9.996 × 10⁻³ rounds to 10.00: write it as 1.00 × 10⁻²
            mantissa /= 10;
            exponent++;
        }

        return (mantissa.ToString("F2", CultureInfo.InvariantCulture), exponent);
    }
}

/// <summary>One attack of <see cref="MomentPaperTable"/>: its minimum energies over the inputs it broke.</summary>
public sealed record EnergyReport
{
    /// <summary>The paper's column: "PGD", "LBFGS", "FGSM", "AGA", "AUA" or "DF2".</summary>
    [JsonPropertyName("column")]
    public required string Column { get; init; }

    /// <summary>The attack that ran, as on the command line (e.g. "pgd-min-eps").</summary>
    [JsonPropertyName("attack")]
    public required string Attack { get; init; }

    /// <summary>The norm the attack searched in ("linf" or "l2"); the energy is always ‖δ‖₂²/n.</summary>
    [JsonPropertyName("norm")]
    public required string Norm { get; init; }

    /// <summary>Fraction of correctly classified inputs the attack broke.</summary>
    [JsonPropertyName("success_rate")]
    public double SuccessRate { get; init; }

    /// <summary>Mean energy ‖δ‖₂²/n over inputs correct and broken; null when none.</summary>
    [JsonPropertyName("mean_energy")]
    public double? MeanEnergy { get; init; }

    [JsonPropertyName("median_energy")]
    public double? MedianEnergy { get; init; }

    /// <summary>The energies of the inputs correct and broken, in input order.</summary>
    [JsonPropertyName("energies")]
    public IReadOnlyList<double> Energies { get; init; } = [];

    [JsonPropertyName("gradient_evaluations")]
    public long GradientEvaluations { get; init; }

    [JsonPropertyName("seconds")]
    public double Seconds { get; init; }
}
