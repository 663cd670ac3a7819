using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Data;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Bulwark.Experiments;
using Spectre.Console;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark study gaussian</c>: the moment-regularizer paper's grid of runs and its fair comparison.</summary>
internal static class StudyCommand
{
    public static Command Create() => new("study", "Train and evaluate a grid of defenses and compare them fairly") { Gaussian() };

    private static Command Gaussian()
    {
        var defaults = new GaussianStudyOptions { Model = new() { Architecture = "gnm-lenet" }, Protocol = new() };
        var dataset = new Option<string>("--dataset") { Description = "mnist or fashion-mnist", DefaultValueFactory = _ => "mnist" };
        var model = new Option<string>("--model")
        {
            Description = $"Architecture with the paper's protocol: {string.Join(", ", MomentPaperProtocol.Models)}",
            DefaultValueFactory = _ => "gnm-lenet",
        };
        CommonOptions.AcceptOnly(model, MomentPaperProtocol.Models, "model for the paper's protocol");
        var sigmas = new Option<string>("--sigmas") { Description = "Training noise levels σ (> 0)", DefaultValueFactory = _ => Join(defaults.Sigmas) };
        var alphas = new Option<string>("--alphas") { Description = "Regularizer weights α (> 0)", DefaultValueFactory = _ => Join(defaults.Alphas) };
        var folds = new Option<string>("--augment-folds")
        {
            Description = "Augmentation: noisy copies of the training set per epoch, as for train --augment-folds (the paper's N; its reference code uses 1,5,10,20); only for σ ≤ 1",
            DefaultValueFactory = _ => string.Join(',', defaults.AugmentationFolds),
        };
        var epochs = new Option<int?>("--epochs-max") { Description = "Epochs at most per run (default: the protocol's 100; 3 with --quick)" };
        var quick = new Option<bool>("--quick")
        {
            Description = $"Smoke mode: {GaussianStudyOptions.QuickEpochs} epochs at most, the first {GaussianStudyOptions.QuickTrainSamples} training and " +
                          $"{GaussianStudyOptions.QuickTestSamples} test images (explicit options still win)",
        };
        var learningRate = new Option<double?>("--lr") { Description = "Override the protocol's learning rate (the report records it)" };
        var batchSize = new Option<int?>("--batch-size") { Description = "Override the protocol's training batch size (the report records it)" };
        var trainSamples = new Option<int?>("--train-samples") { Description = "Use only the first N training images" };
        var testSamples = new Option<int?>("--test-samples") { Description = "Measure accuracy and GNR on the first N test images" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of every run (weights, split, batches, noise)", DefaultValueFactory = _ => 0 };
        var tolerance = new Option<double>("--tolerance")
        {
            Description = "Fair comparison: keep runs whose test accuracy is at least the baseline's minus this many percentage points",
            DefaultValueFactory = _ => defaults.Tolerance,
        };
        var output = new Option<string?>("--out") { Description = "Study directory (default studies/gaussian-<dataset>-<model>); run again to resume" };
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();

        var command = new Command("gaussian",
            "The moment-regularizer paper's study: baseline, regularizer per (σ, α), augmentation per (folds, σ); accuracy, GNR, fair comparison. Resumable.")
        {
            dataset, model, sigmas, alphas, folds, epochs, quick, learningRate, batchSize, trainSamples, testSamples, seed, tolerance, output, dataDir, threads,
        };
        command.SetAction(parse =>
        {
            CliRunner.ApplyThreads(parse.GetValue(threads));
            var isQuick = parse.GetValue(quick);
            var sigmaList = ParseList(parse.GetValue(sigmas)!, "--sigmas", double.Parse);
            var alphaList = ParseList(parse.GetValue(alphas)!, "--alphas", double.Parse);
            var foldList = ParseList(parse.GetValue(folds)!, "--augment-folds", (text, _, culture) => int.Parse(text, culture));
            var datasetName = parse.GetValue(dataset)!;
            var modelName = parse.GetValue(model)!;
            var directory = DataDirectory.Resolve(parse.GetValue(dataDir));
            using var train = DatasetCatalog.Load(datasetName, directory, train: true,
                limit: parse.GetValue(trainSamples) ?? (isQuick ? GaussianStudyOptions.QuickTrainSamples : null));
            using var test = DatasetCatalog.Load(datasetName, directory, train: false,
                limit: parse.GetValue(testSamples) ?? (isQuick ? GaussianStudyOptions.QuickTestSamples : null));
            var protocol = MomentPaperProtocol.For(modelName);
            var options = new GaussianStudyOptions
            {
                Model = MomentPaperProtocol.Spec(modelName, datasetName, train),
                Protocol = protocol with
                {
                    Epochs = parse.GetValue(epochs) ?? (isQuick ? GaussianStudyOptions.QuickEpochs : protocol.Epochs),
                    Seed = parse.GetValue(seed),
                    LearningRate = parse.GetValue(learningRate) ?? protocol.LearningRate,
                    BatchSize = parse.GetValue(batchSize) ?? protocol.BatchSize,
                },
                Dataset = datasetName,
                Sigmas = sigmaList,
                Alphas = alphaList,
                AugmentationFolds = foldList,
                Tolerance = parse.GetValue(tolerance),
                Quick = isQuick,
            };
            var studyPath = parse.GetValue(output) ?? Path.Combine("studies", $"gaussian-{datasetName}-{modelName}");
            var grid = GaussianStudy.Grid(options);
            var console = CliRunner.Console;
            console.MarkupLineInterpolated(
                $"[bold]Gaussian study[/] {options.Model.ToString()} on {datasetName} ({train.Count} training, {test.Count} test images): {grid.Count} runs — {options.ToString()}");
            console.MarkupLineInterpolated($"protocol {options.Protocol.ToString()}; study in {Path.GetFullPath(studyPath)}");
            var study = GaussianStudy.Run(options, train, test, studyPath, new ConsoleObserver(console), CliRunner.Cancellation);

            console.WriteLine();
            console.MarkupLineInterpolated($"[bold]Fair comparison[/] ({GaussianStudyReport.Scope(study)})");
            console.Write(ComparisonTable(study.Comparison!));
            console.MarkupLineInterpolated($"reports: {Path.Combine(Path.GetFullPath(studyPath), GaussianStudy.HtmlFileName)}, {GaussianStudy.MarkdownFileName}, {GaussianStudy.JsonFileName}");
            if (parse.GetValue(CommonOptions.Json))
            {
                CliRunner.WriteJson(new JsonObject
                {
                    ["study_dir"] = Path.GetFullPath(studyPath),
                    ["runs"] = study.Runs.Count,
                    ["quick"] = study.Quick,
                    ["comparison"] = JsonNode.Parse(MetricsJson.Serialize(study.Comparison)),
                });
            }

            return 0;
        });
        return command;
    }

    private static Table ComparisonTable(FairComparison fair)
    {
        var table = new Table().AddColumn("method").AddColumn("run").AddColumn("σ").AddColumn("setting")
            .AddColumn("test accuracy").AddColumn("GNR").AddColumn("kept");
        foreach (var cells in GaussianStudyReport.ComparisonCells(fair))
        {
            table.AddRow([.. cells.Select(Markup.Escape)]);
        }

        table.Caption($"kept: runs with test accuracy ≥ {GaussianStudyReport.FormatAccuracy(fair.AccuracyBar)} (baseline − {fair.Tolerance.ToString(CultureInfo.InvariantCulture)} pp)");
        return table;
    }

    private static string StudyRunFormat(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Join(IEnumerable<double> values) => string.Join(',', values.Select(StudyRunFormat));

    private static T[] ParseList<T>(string text, string option, Func<string, NumberStyles, IFormatProvider, T> parse)
    {
        try
        {
            return [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(v => parse(v, NumberStyles.Float, CultureInfo.InvariantCulture))];
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"{option} takes a comma-separated list of numbers, e.g. 0.25,0.5; got '{text}'");
        }
    }

    /// <summary>A line per run, and a progress display while it trains.</summary>
    private sealed class ConsoleObserver(IAnsiConsole console) : IStudyObserver
    {
        public void RunStarting(StudyRun run, int index, int count, bool resuming) =>
            console.MarkupLineInterpolated($"[bold][[{index + 1}/{count}]][/] {run.ToString()}{(resuming ? " (resuming from its checkpoint)" : "")}");

        public TrainingResult Train(StudyRun run, Func<IProgress<TrainingProgress>?, TrainingResult> fit) =>
            ProgressDisplay.Run(console, progress => fit(progress));

        public void RunFinished(StudyRunResult result, int index, int count, bool reused)
        {
            var cost = reused
                ? " (measured earlier)"
                : string.Create(CultureInfo.InvariantCulture,
                    $", {result.Epochs} epochs (best {result.BestEpoch + 1}) in {result.TrainSeconds:F1} s + GNR {result.EvaluationSeconds:F1} s");
            console.MarkupLineInterpolated(
                $"[bold][[{index + 1}/{count}]][/] {result.Run.ToString()}: test accuracy {GaussianStudyReport.FormatAccuracy(result.TestAccuracy)}, GNR {GaussianStudyReport.FormatGnr(result.Gnr)}{cost}");
        }
    }
}
