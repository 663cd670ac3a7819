using System.CommandLine;
using System.Text.Json.Nodes;
using Bulwark.Data;
using Bulwark.Defenses.Training;
using Spectre.Console;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark test</c>: accuracy of a run's best model on the test set.</summary>
internal static class TestCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run directory written by bulwark train", Required = true };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset (default: the one the run was trained on)" };
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var command = new Command("test", "Accuracy of a trained run's best model on the test set") { run, dataset, dataDir, threads };
        command.SetAction(parse =>
        {
            CliRunner.ApplyThreads(parse.GetValue(threads));
            var directory = new RunDirectory(parse.GetValue(run)!);
            var datasetName = parse.GetValue(dataset) ?? RunDataset(directory);
            using var model = directory.LoadBestModel();
            using var test = DatasetCatalog.Load(datasetName, DataDirectory.Resolve(parse.GetValue(dataDir)), train: false);
            var accuracy = Trainer.Accuracy(model, test);
            CliRunner.Console.MarkupLineInterpolated($"[green]test accuracy[/] {accuracy:P2} on {test.Count} {datasetName} images");
            if (parse.GetValue(CommonOptions.Json))
            {
                CliRunner.WriteJson(new JsonObject { ["test_accuracy"] = accuracy, ["samples"] = test.Count });
            }

            return 0;
        });
        return command;
    }

    internal static string RunDataset(RunDirectory run)
    {
        if (File.Exists(run.ConfigFile) && JsonNode.Parse(File.ReadAllText(run.ConfigFile))?["dataset"]?.GetValue<string>() is { } name)
        {
            return name;
        }

        return "mnist";
    }
}
