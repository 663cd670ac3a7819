using System.Globalization;
using Bulwark.Evaluation;
using Bulwark.TestKit;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark evaluate` on LeNet-5s trained for one epoch on a few hundred MNIST images, with 10 or 20 test images.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    [MnistInstalledFact]
    public void Should_write_the_three_report_files_and_print_one_json_object_When_evaluating_with_json()
    {
        // Given
        var runDirectory = TrainLeNet(500);

        // When
        var run = BulwarkProgram.Run("evaluate", "--run", runDirectory, "--suite", "standard", "--samples", "10", "--batch-size", "10", "--json");

        // Then
        run.ExitCode.ShouldBe(0, run.Stderr);
        run.StdoutLines.Length.ShouldBe(1, run.Stdout);
        var result = run.LastJson;
        var report = ReportWriter.Read(result["report_json"]!.GetValue<string>());
        result["clean_accuracy"]!.GetValue<double>().ShouldBe(report.CleanAccuracy);
        result["samples"]!.GetValue<int>().ShouldBe(10);
        result["gnr"]!.GetValue<double>().ShouldBe(report.Gnr!.Gnr);
        result["warnings"]!.GetValue<int>().ShouldBe(report.Warnings.Count);
        result["worst_case"]!["linf"]!["0.3"]!.GetValue<double>().ShouldBe(report.WorstCase.Single(w => w.Norm == "linf").RobustAccuracy[6]);
        result["worst_case"]!["l2"]!["2"]!.GetValue<double>().ShouldBe(report.WorstCase.Single(w => w.Norm == "l2").RobustAccuracy[4]);
        foreach (var key in new[] { "report_json", "report_md", "report_html" })
        {
            var path = result[key]!.GetValue<string>();
            Path.GetDirectoryName(path).ShouldBe(runDirectory);
            File.Exists(path).ShouldBeTrue(key);
        }

        run.Stderr.ShouldContain("worst case");
    }

    [MnistInstalledFact]
    public void Should_write_the_report_files_with_the_table_When_evaluating_the_moment_paper_suite()
    {
        // Given
        var runDirectory = TrainLeNet(200);

        // When
        var run = BulwarkProgram.Run("evaluate", "--run", runDirectory, "--suite", "moment-paper", "--samples", "20", "--json");

        // Then
        run.ExitCode.ShouldBe(0, run.Stderr);
        var result = run.LastJson;
        result["suite"]!.GetValue<string>().ShouldBe("moment-paper");
        result["samples"]!.GetValue<int>().ShouldBe(20);
        var report = ReportWriter.Read(result["report_json"]!.GetValue<string>());
        var table = report.MomentPaper.ShouldNotBeNull();
        table.Attacks.Select(a => a.Column).ShouldBe(["PGD", "LBFGS", "FGSM", "AGA", "AUA", "DF2"]);
        foreach (var attack in table.Attacks)
        {
            ((double?)result["mean_energy"]![attack.Column]).ShouldBe(attack.MeanEnergy);
            result["success_rate"]![attack.Column]!.GetValue<double>().ShouldBe(attack.SuccessRate);
        }

        result["gnr"]!.GetValue<double>().ShouldBe(report.Gnr!.Gnr);
        File.ReadAllText(result["report_md"]!.GetValue<string>()).ShouldContain("| PGD | LBFGS | FGSM | AGA | AUA | DF2 | GNR | ACC |");
        File.ReadAllText(result["report_html"]!.GetValue<string>()).ShouldContain("<tr class=\"table4\">");
        run.Stderr.ShouldContain("Table 4");
    }

    [Fact]
    public void Should_name_both_suites_When_the_suite_is_unknown()
    {
        var run = BulwarkProgram.Run("evaluate", "--run", folder["none"], "--suite", "paper");

        run.ExitCode.ShouldNotBe(0);
        (run.Stdout + run.Stderr).ShouldContain("known: standard, moment-paper");
    }

    public void Dispose() => folder.Dispose();

    /// <summary>A LeNet-5 trained for one epoch on the first <paramref name="samples"/> MNIST training images; its run directory.</summary>
    private string TrainLeNet(int samples)
    {
        var runDirectory = folder[$"lenet5-{samples}"];
        var train = BulwarkProgram.Run("train", "--model", "lenet5", "--dataset", "mnist", "--train-samples", samples.ToString(CultureInfo.InvariantCulture),
            "--epochs", "1", "--batch-size", "64", "--seed", "0", "--out", runDirectory);
        train.ExitCode.ShouldBe(0, train.Stderr);
        return runDirectory;
    }
}
