using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Bulwark.Torch;
using Bulwark.Torch.Serialization;
using Spectre.Console;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark attack</c>: runs one attack against a trained run on the test set.</summary>
internal static class AttackCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run directory written by bulwark train", Required = true };
        var attack = new Option<string>("--attack") { Description = $"Attack: {string.Join(", ", AttackCatalog.Names)}", Required = true };
        var norm = new Option<string>("--norm") { Description = "linf, l2, l1, l0 or pixel-l0", DefaultValueFactory = _ => "linf" };
        var eps = new Option<string?>("--eps") { Description = "Comma-separated ε list (fixed-ε attacks; optional for minimum-norm ones)" };
        var steps = new Option<int?>("--steps") { Description = "Iterations (default: the attack's)" };
        var stepSize = new Option<double?>("--step-size") { Description = "Absolute step size of iterative fixed-ε attacks" };
        var noRandomStart = new Option<bool>("--no-random-start") { Description = "PGD without random start (BIM)" };
        var maxEps = new Option<double?>("--max-eps") { Description = "Largest ε of the *-min-eps searches (default 1)" };
        var epsSteps = new Option<int>("--eps-steps") { Description = "ε values the *-min-eps searches try", DefaultValueFactory = _ => 100 };
        var searchSteps = new Option<int?>("--search-steps") { Description = "Binary-search steps over c (cw, ead; default 9)" };
        var theta = new Option<double?>("--theta") { Description = "JSMA: change per chosen feature, a fraction of the box's width in [-1, 1] (default 1)" };
        var gamma = new Option<double?>("--gamma") { Description = "JSMA: largest fraction of features changed (default 0.145)" };
        var samples = new Option<int>("--samples") { Description = "First N test images", DefaultValueFactory = _ => 1000 };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 250 };
        var seed = new Option<ulong>("--seed");
        var save = new Option<string?>("--save") { Description = "Write the adversarial inputs to this safetensors file (key 'adversarial')" };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset (default: the run's)" };
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var command = new Command("attack", "Attack a trained model on the test set and report robust accuracy and perturbation sizes")
        {
            run, attack, norm, eps, steps, stepSize, noRandomStart, maxEps, epsSteps, searchSteps, theta, gamma, samples, batchSize, seed, save, dataset, dataDir, threads,
        };
        command.SetAction(parse =>
        {
            CliRunner.ApplyThreads(parse.GetValue(threads));
            var directory = new RunDirectory(parse.GetValue(run)!);
            var datasetName = parse.GetValue(dataset) ?? TestCommand.RunDataset(directory);
            var settings = new AttackSettings
            {
                Norm = Norm.Parse(parse.GetValue(norm)!),
                Steps = parse.GetValue(steps),
                StepSize = parse.GetValue(stepSize),
                RandomStart = !parse.GetValue(noRandomStart),
                MaxEpsilon = parse.GetValue(maxEps),
                EpsilonSteps = parse.GetValue(epsSteps),
                BinarySearchSteps = parse.GetValue(searchSteps),
                Theta = parse.GetValue(theta),
                MaxDistortion = parse.GetValue(gamma),
            };
            var chosen = AttackCatalog.Create(parse.GetValue(attack)!, settings);
            var epsilons = ParseList(parse.GetValue(eps));
            if (chosen is FixedEpsilonAttack && epsilons.Count == 0)
            {
                throw new ArgumentException($"{chosen.Name} is a fixed-ε attack: give --eps");
            }

            using var model = directory.LoadBestModel();
            using var test = DatasetCatalog.Load(datasetName, DataDirectory.Resolve(parse.GetValue(dataDir)), train: false, limit: parse.GetValue(samples));
            var adversarials = parse.GetValue(save) is null ? null : new List<Tensor>();
            var summary = AttackRun.Evaluate(chosen, new AttackModel(model), test, epsilons, parse.GetValue(batchSize), parse.GetValue(seed), adversarials);
            if (adversarials is not null)
            {
                using var all = Torch.Torch.Cat(adversarials);
                SafeTensors.Save(parse.GetValue(save)!, new Dictionary<string, Tensor> { ["adversarial"] = all });
                adversarials.ForEach(t => t.Dispose());
            }

            Print(CliRunner.Console, summary);
            if (parse.GetValue(CommonOptions.Json))
            {
                CliRunner.WriteJson(JsonSerializer.SerializeToNode(summary)!.AsObject());
            }

            return 0;
        });
        return command;
    }

    internal static List<double> ParseList(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : [.. text.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];

    private static void Print(IAnsiConsole console, AttackRunSummary s)
    {
        var table = new Table().AddColumn("metric").AddColumn("value");
        table.AddRow("attack", $"{s.Attack} ({s.Norm})");
        table.AddRow("samples", s.Samples.ToString(CultureInfo.InvariantCulture));
        table.AddRow("clean accuracy", s.CleanAccuracy.ToString("P2", CultureInfo.InvariantCulture));
        foreach (var (epsilon, accuracy) in s.RobustAccuracy)
        {
            table.AddRow($"robust accuracy at ε={epsilon}", accuracy.ToString("P2", CultureInfo.InvariantCulture));
        }

        table.AddRow("success rate", s.SuccessRate.ToString("P2", CultureInfo.InvariantCulture));
        if (s.MeanNorm is { } mean)
        {
            table.AddRow("mean / median norm", $"{mean:F4} / {s.MedianNorm:F4}");
        }

        if (s.RhoAdversarial is { } rho)
        {
            table.AddRow("ρ_adv (correct & broken / all)", $"{rho:F4} / {s.RhoAdversarialAll:F4}");
        }

        table.AddRow("images per second", s.ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture));
        console.Write(table);
    }
}
