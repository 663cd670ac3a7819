using System.Text.Json.Nodes;
using Bulwark.TestKit;

namespace Bulwark.Cli.Tests;

/// <summary>The initialisation, weight-decay scope and optimizer-ε flags of <c>bulwark train</c> reach the run's records.</summary>
public sealed class TrainModelOptionTests
{
    [MnistInstalledFact]
    public void Should_RecordTheInitializationTheDecayScopeAndTheEpsilon_When_TrainingWithThem()
    {
        // Given
        using var folder = new TemporaryFolder();
        string[] args =
        [
            "train", "--model", "mlp", "--widths", "32", "--train-samples", "500", "--epochs", "1", "--batch-size", "100",
            "--init", "glorot-uniform", "--weight-decay", "1e-3", "--weight-decay-on", "hidden-weights", "--eps", "1e-4",
            "--out", folder["run"], "--json",
        ];

        // When
        var run = BulwarkProgram.Run(args);

        // Then
        run.ExitCode.ShouldBe(0, run.Stderr);
        var options = JsonNode.Parse(File.ReadAllText(Path.Combine(folder["run"], "config.json")))!["options"]!;
        options["WeightDecayOn"]!.GetValue<string>().ShouldBe("hidden-weights");
        options["Epsilon"]!.GetValue<double>().ShouldBe(1e-4);
        var model = JsonNode.Parse(File.ReadAllText(Path.Combine(folder["run"], "model.json")))!;
        model["initialization"]!.GetValue<string>().ShouldBe("glorot-uniform");
    }
}
