using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.TestKit;
using Bulwark.Torch;

namespace Bulwark.Evaluation.Tests;

/// <summary>
/// The moment-paper suite, with its default settings, on two affine classifiers of 4×4 images whose minimum ℓ2
/// perturbation is known in closed form: one run per classifier serves every test.
/// </summary>
public sealed class MomentPaperSuiteTests(MomentPaperSuiteTests.SuiteRuns fixture) : IClassFixture<MomentPaperSuiteTests.SuiteRuns>
{
    private const int Dimensions = 16;

    [Fact]
    public void Should_report_the_six_columns_in_the_papers_order_over_the_correct_inputs_only_When_the_suite_runs()
    {
        var report = fixture.Base;
        var table = report.MomentPaper.ShouldNotBeNull();
        report.Suite.ShouldBe(MomentPaperSuite.Name);
        table.Attacks.Select(a => a.Column).ShouldBe(["PGD", "LBFGS", "FGSM", "AGA", "AUA", "DF2"]);
        table.Attacks.Select(a => a.Norm).ShouldBe(["linf", "l2", "linf", "l2", "l2", "l2"]);

        // the two mislabelled inputs count as errors and are left out of every column
        table.Correct.ShouldBe(SuiteRuns.Inputs - 2);
        report.CleanAccuracy.ShouldBe((SuiteRuns.Inputs - 2) / (double)SuiteRuns.Inputs);
        foreach (var attack in table.Attacks)
        {
            attack.SuccessRate.ShouldBe(1, attack.Column);
            attack.Energies.Count.ShouldBe(table.Correct, attack.Column);
            attack.MeanEnergy!.Value.ShouldBe(attack.Energies.Average(), 1e-12, attack.Column);
        }
    }

    [Fact]
    public void Should_find_the_closed_form_minimum_energy_with_DeepFool_and_LBFGS_When_the_classifier_is_affine()
    {
        var table = fixture.Base.MomentPaper!;
        var minimum = fixture.MinimumEnergies(SuiteRuns.BaseMargin);
        foreach (var (column, tolerance) in new[] { ("DF2", 1.07), ("LBFGS", 1.05) })
        {
            var energies = table.Attacks.Single(a => a.Column == column).Energies;
            for (var i = 0; i < minimum.Length; i++)
            {
                // no perturbation shorter than the distance to the hyperplane changes the class; DeepFool overshoots by 2 %
                energies[i].ShouldBeGreaterThanOrEqualTo(minimum[i] * (1 - 1e-4), $"{column}, input {i}");
                energies[i].ShouldBeLessThanOrEqualTo(minimum[i] * tolerance, $"{column}, input {i}");
            }
        }
    }

    [Fact]
    public void Should_give_FGSM_the_square_of_the_first_grid_epsilon_past_the_boundary_When_the_classifier_is_affine()
    {
        var options = new MomentPaperOptions();
        var fgsm = fixture.Base.MomentPaper!.Attacks.Single(a => a.Column == "FGSM").Energies;
        var pgd = fixture.Base.MomentPaper!.Attacks.Single(a => a.Column == "PGD").Energies;
        var linf = fixture.LinfDistances(SuiteRuns.BaseMargin);
        var minimum = fixture.MinimumEnergies(SuiteRuns.BaseMargin);
        for (var i = 0; i < linf.Length; i++)
        {
            // FGSM steps ε along −sign(w) (the box is not reached): every value moves by ε, so the energy is ε², with ε
            // the first grid value at or past the ℓ∞ distance |w·x + b| / ‖w‖₁
            var grid = options.MaxEpsilon / options.FgsmEpsilonSteps;
            var epsilon = Math.Ceiling(linf[i] / grid - 1e-6) * grid;
            fgsm[i].ShouldBe(epsilon * epsilon, 1e-6 * epsilon * epsilon + 1e-9, $"FGSM, input {i}");

            // PGD (40 steps of ε/30 from a random start in the ε-ball) moves every value at least ε/3 towards −sign(w),
            // so it succeeds by the first grid ε past 3× the ℓ∞ distance, and its energy is at most that ε²
            var pgdGrid = options.MaxEpsilon / options.PgdEpsilonSteps;
            var pgdEpsilon = Math.Ceiling(3 * linf[i] / pgdGrid - 1e-6) * pgdGrid;
            pgd[i].ShouldBeGreaterThanOrEqualTo(minimum[i] * (1 - 1e-4), $"PGD, input {i}");
            pgd[i].ShouldBeLessThanOrEqualTo(pgdEpsilon * pgdEpsilon * (1 + 1e-5), $"PGD, input {i}");
        }
    }

    [Fact]
    public void Should_never_beat_the_closed_form_minimum_with_random_noise_When_the_classifier_is_affine()
    {
        var minimum = fixture.MinimumEnergies(SuiteRuns.BaseMargin);
        foreach (var column in new[] { "AGA", "AUA" })
        {
            var energies = fixture.Base.MomentPaper!.Attacks.Single(a => a.Column == column).Energies;
            for (var i = 0; i < minimum.Length; i++)
            {
                energies[i].ShouldBeGreaterThanOrEqualTo(minimum[i] * (1 - 1e-4), $"{column}, input {i}");
            }
        }
    }

    [Fact]
    public void Should_give_larger_energies_in_every_column_and_a_larger_GNR_When_the_margin_is_larger()
    {
        // Given: the same hyperplane direction with every input 0.1 farther from it (rescaling w and b together would
        // change nothing: the boundary, and so every minimum perturbation, stays where it is)
        var weak = fixture.Base;
        var robust = fixture.Robust;

        // Then: the direction Table 4 shows for models trained with the regularizer
        foreach (var column in weak.MomentPaper!.Attacks.Select(a => a.Column))
        {
            var before = weak.MomentPaper.Attacks.Single(a => a.Column == column).MeanEnergy!.Value;
            var after = robust.MomentPaper!.Attacks.Single(a => a.Column == column).MeanEnergy!.Value;
            after.ShouldBeGreaterThan(before, column);
        }

        // with the same noise draws, an input that keeps its class under noise keeps it with the larger margin too
        robust.Gnr!.Gnr.ShouldBeGreaterThan(weak.Gnr!.Gnr);
        robust.CleanAccuracy.ShouldBe(weak.CleanAccuracy);
    }

    [Fact]
    public void Should_read_back_the_same_report_and_print_the_table_When_written()
    {
        // Given
        using var folder = new TemporaryFolder();
        var report = fixture.Base;

        // When
        var files = ReportWriter.Write(report, folder["out"]);

        // Then
        var back = ReportWriter.Read(files.Json);
        MetricsJson.Serialize(back).ShouldBe(MetricsJson.Serialize(report));
        back.MomentPaper!.Attacks.Select(a => a.MeanEnergy).ShouldBe(report.MomentPaper!.Attacks.Select(a => a.MeanEnergy));
        File.ReadAllText(files.Json).ShouldContain("\"moment_paper\"");
        var table = report.MomentPaper;
        var row = "| " + string.Join(" | ", table.Attacks.Select(a => MomentPaperTable.FormatEnergy(a.MeanEnergy)))
            + $" | {MarkdownReport.Percent(report.Gnr!.Gnr)} | {MarkdownReport.Percent(report.CleanAccuracy)} |";
        File.ReadAllText(files.Markdown).ShouldContain("| PGD | LBFGS | FGSM | AGA | AUA | DF2 | GNR | ACC |\n" + "|---|---|---|---|---|---|---|---|\n" + row);
        var page = File.ReadAllText(files.Html);
        HtmlPage.Count(page, "<tr class=\"energy\">").ShouldBe(6);
        page.ShouldContain("<tr class=\"table4\">");
        page.ShouldNotContain("No attack was run.");
    }

    [Fact]
    public void Should_leave_the_standard_report_json_without_the_table_When_it_has_none()
    {
        MetricsJson.Serialize(SampleReports.Full()).ShouldNotContain("moment_paper");
    }

    [Theory]
    [InlineData(1.02e-3, "1.02 × 10⁻³")]
    [InlineData(5.5e4, "5.50 × 10⁴")]
    [InlineData(9.996e-3, "1.00 × 10⁻²")]
    [InlineData(1.21, "1.21")]
    [InlineData(0.0, "0.00")]
    public void Should_print_energies_as_the_paper_does_When_formatting(double energy, string expected)
    {
        MomentPaperTable.FormatEnergy(energy).ShouldBe(expected);
    }

    [Fact]
    public void Should_reject_invalid_options_When_running()
    {
        var model = Classifiers.Model(Classifiers.Affine(fixture.Weight, 0));
        Should.Throw<ArgumentOutOfRangeException>(() => MomentPaperSuite.Run(model, fixture.Data, "synthetic", new MomentPaperOptions { Samples = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => MomentPaperSuite.Run(model, fixture.Data, "synthetic", new MomentPaperOptions { MaxEpsilon = double.NaN }));
    }

    /// <summary>Runs the suite once on each classifier.</summary>
    public sealed class SuiteRuns : IDisposable
    {
        public const int Inputs = 14;
        public const double BaseMargin = 0.05;
        public const double RobustMargin = 0.15;

        public SuiteRuns()
        {
            using var scope = TensorScope.Begin();
            using var generator = new Generator(5);
            var raw = Torch.Torch.Randn([Dimensions], generator, DType.Float64).ToArray<double>();
            var length = Math.Sqrt(raw.Sum(v => v * v));
            Weight = raw.Select(v => v / length).ToArray();
            var images = Torch.Torch.Rand([Inputs, 1, 4, 4], generator).Mul(0.2).Add(0.4);
            Pixels = images.Flatten(1).Double().ToArray<double>();
            Offset = Enumerable.Range(0, Inputs).Min(Dot);
            // every input lies on class 1's side; the first two are labelled 0, so the model gets them wrong
            var labels = Enumerable.Range(0, Inputs).Select(i => i < 2 ? 0L : 1L).ToArray();
            Data = new TensorDataset(scope.Release(images.Clone()), scope.Release(Torch.Torch.FromArray(labels, Inputs)), "synthetic");
            Base = MomentPaperSuite.Run(Classifiers.Model(Classifiers.Affine(Weight, Bias(BaseMargin))), Data, "synthetic");
            Robust = MomentPaperSuite.Run(Classifiers.Model(Classifiers.Affine(Weight, Bias(RobustMargin))), Data, "synthetic");
        }

        /// <summary>Unit-length normal of the hyperplane.</summary>
        public double[] Weight { get; }

        public TensorDataset Data { get; }

        public RobustnessReport Base { get; }

        public RobustnessReport Robust { get; }

        private double[] Pixels { get; }

        /// <summary>min over inputs of w·x.</summary>
        private double Offset { get; }

        /// <summary>(‖δ‖₂ minimum)² / n of each correctly labelled input, in input order: (w·x + b)² / n with ‖w‖ = 1.</summary>
        public double[] MinimumEnergies(double margin) =>
            Margins(margin).Select(m => m * m / Dimensions).ToArray();

        /// <summary>ℓ∞ distance to the hyperplane of each correctly labelled input: (w·x + b) / ‖w‖₁.</summary>
        public double[] LinfDistances(double margin) =>
            Margins(margin).Select(m => m / Weight.Sum(Math.Abs)).ToArray();

        public void Dispose() => Data.Dispose();

        /// <summary>The bias that puts the input nearest the hyperplane at distance <paramref name="margin"/>.</summary>
        private double Bias(double margin) => margin - Offset;

        private IEnumerable<double> Margins(double margin) =>
            Enumerable.Range(2, Inputs - 2).Select(i => Dot(i) + Bias(margin));

        private double Dot(int input) => Enumerable.Range(0, Dimensions).Sum(j => Weight[j] * Pixels[input * Dimensions + j]);
    }
}
