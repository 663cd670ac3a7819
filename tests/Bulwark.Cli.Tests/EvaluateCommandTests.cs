using Bulwark.Evaluation;
using Bulwark.TestKit;

namespace Bulwark.Cli.Tests;

/// <summary>`bulwark evaluate --suite standard` on a LeNet-5 trained for one epoch on 500 MNIST images, with 10 test images.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    [MnistInstalledFact]
    public void Should_write_the_three_report_files_and_print_one_json_object_When_evaluating_with_json()
    {
        // Given
        var runDirectory = folder["lenet5-500"];
        var train = BulwarkProgram.Run("train", "--model", "lenet5", "--dataset", "mnist", "--train-samples", "500", "--epochs", "1",
            "--batch-size", "64", "--seed", "0", "--out", runDirectory);
        train.ExitCode.ShouldBe(0, train.Stderr);

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

    public void Dispose() => folder.Dispose();
}
