using System.CommandLine;
using System.Text.Json.Nodes;
using Bulwark.Data;
using Bulwark.Defenses.Benchmarks;
using Spectre.Console;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark bench</c>: speed measurements (compared with PyTorch by the scripts in bench/).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { DefaultValueFactory = _ => "lenet5" };
        var dropout = CommonOptions.Dropout();
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 128 };
        var objective = new ObjectiveOptions();
        var folds = new Option<int?>("--folds") { Description = "Noisy copies per batch of the augment objective (default 1): a step forwards B·(N+1) images" };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 50 };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 10 };
        var seed = new Option<ulong>("--seed");
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var trainStep = new Command("train-step", "Median time of one training step (zero-grad + objective + backward + Adam step)")
        {
            model, dropout, batchSize, folds, steps, warmup, seed, dataDir, threads,
        };
        objective.AddTo(trainStep);
        trainStep.SetAction(parse =>
        {
            CliRunner.ApplyThreads(parse.GetValue(threads));
            using var train = DatasetCatalog.Load("mnist", DataDirectory.Resolve(parse.GetValue(dataDir)), train: true);
            var options = new TrainStepBenchmarkOptions
            {
                Model = parse.GetValue(model)!,
                Dropout = parse.GetValue(dropout),
                BatchSize = parse.GetValue(batchSize),
                Objective = parse.GetValue(objective.Objective)!,
                Settings = objective.Bind(parse, parse.GetValue(folds), parse.GetValue(seed)),
                Steps = parse.GetValue(steps),
                Warmup = parse.GetValue(warmup),
                Seed = parse.GetValue(seed),
            };
            var result = TrainStepBenchmark.Run(options, train);
            CliRunner.Console.MarkupLineInterpolated(
                $"{options.Model} {options.Objective} batch {options.BatchSize}, {result.Threads} threads: [bold]{result.MillisecondsPerStep:F2} ms/step[/] (median of {options.Steps})");
            if (parse.GetValue(CommonOptions.Json))
            {
                CliRunner.WriteJson(new JsonObject
                {
                    ["framework"] = "bulwark",
                    ["model"] = options.Model,
                    ["dropout"] = options.Dropout,
                    ["objective"] = options.Objective,
                    ["batch_size"] = options.BatchSize,
                    ["folds"] = options.Objective == "augment" ? options.Settings.Folds ?? 1 : null,
                    ["threads"] = result.Threads,
                    ["steps"] = options.Steps,
                    ["ms_per_step"] = result.MillisecondsPerStep,
                    ["final_loss"] = result.FinalLoss,
                });
            }

            return 0;
        });
        return new Command("bench", "Speed benchmarks") { trainStep };
    }
}
