using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Data;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Bulwark.Experiments;
using Spectre.Console;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark reproduce NAME</c>: one paper result, trained and evaluated end to end, with "paper vs Bulwark".</summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = $"The paper result: {string.Join(", ", ReproductionCatalog.Names)}" };
        name.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !ReproductionCatalog.Names.Contains(value))
            {
                result.AddError($"unknown reproduction '{value}'; known: {string.Join(", ", ReproductionCatalog.Names)}");
            }
        });
        var quick = new Option<bool>("--quick") { Description = "The reduced smoke variant (minutes; its numbers check the pipeline, not the paper)" };
        var output = new Option<string?>("--out") { Description = "Directory of the reproduction (default reproductions/<name>[-quick]); rerun to resume, or with a larger --epochs-max to train its runs further" };
        var epochs = new Option<int?>("--epochs-max") { Description = "Train every run at most this many epochs (recorded in the report)" };
        var trainSamples = new Option<int?>("--train-samples") { Description = "Train on the first N training images (recorded in the report)" };
        var testSamples = new Option<int?>("--test-samples") { Description = "Evaluate on the first N test images (recorded in the report)" };
        var runs = new Option<string?>("--runs") { Description = "Only these runs (comma-separated ids), with the runs they start from" };
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var command = new Command("reproduce", "Train and evaluate one paper result in its protocol; writes the table paper vs Bulwark")
        {
            name, quick, output, epochs, trainSamples, testSamples, runs, dataDir, threads,
        };
        command.SetAction(parse =>
        {
            CliRunner.ApplyThreads(parse.GetValue(threads));
            var reproduction = ReproductionCatalog.Override(ReproductionCatalog.Get(parse.GetValue(name)!, parse.GetValue(quick)),
                parse.GetValue(epochs), parse.GetValue(trainSamples), parse.GetValue(testSamples),
                parse.GetValue(runs)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            var directory = DataDirectory.Resolve(parse.GetValue(dataDir));
            using var train = DatasetCatalog.Load("mnist", directory, train: true, limit: reproduction.TrainSamples);
            using var test = DatasetCatalog.Load("mnist", directory, train: false);
            var path = parse.GetValue(output) ?? Path.Combine("reproductions", reproduction.Name + (reproduction.Quick ? "-quick" : ""));
            var console = CliRunner.Console;
            console.MarkupLineInterpolated($"[bold]{reproduction.Title}[/] — {reproduction.Source}");
            if (reproduction.Quick)
            {
                console.MarkupLine("[yellow]quick variant:[/] reduced data and epochs; the numbers check the pipeline, not the paper");
            }

            var observer = new ConsoleObserver(console);
            var result = ReproductionRunner.Run(reproduction, train, test, path, observer, CliRunner.Cancellation);
            console.Write(ComparisonTable(result));
            if (observer.Skipped > 0)
            {
                console.MarkupLineInterpolated(
                    $"[yellow]{observer.Skipped} of {reproduction.Runs.Count} runs were left to other processes[/]; the same command, run again once they finish, completes the report");
            }

            foreach (var check in result.Checks)
            {
                var verdict = check.Holds switch { true => "[green]✓[/]", false => "[red]✗[/]", null => "…" };
                console.MarkupLine($"{verdict} {Markup.Escape(check.Check.Description)}: {ReproductionReport.Number(check.Value)} against {(check.Check.AtMost ? "≤" : "≥")} {ReproductionReport.Number(check.Bound)}");
            }

            foreach (var warning in result.Warnings)
            {
                console.MarkupLineInterpolated($"[yellow]⚠ {warning.Code}[/]: {warning.Message}");
            }

            console.MarkupLineInterpolated($"reports: {Path.Combine(Path.GetFullPath(path), ReproductionReport.HtmlFileName)}, {ReproductionReport.MarkdownFileName}, {ReproductionReport.JsonFileName}");
            if (parse.GetValue(CommonOptions.Json))
            {
                CliRunner.WriteJson(new JsonObject
                {
                    ["reproduction_dir"] = Path.GetFullPath(path),
                    ["quick"] = result.Quick,
                    ["results"] = JsonNode.Parse(MetricsJson.Serialize(result.Results)),
                    ["checks"] = JsonNode.Parse(MetricsJson.Serialize(result.Checks)),
                });
            }

            return 0;
        });
        return command;
    }

    /// <summary>The report's "paper vs Bulwark" table, each pair of columns folded into one "paper → Bulwark" cell to fit a terminal.</summary>
    private static Table ComparisonTable(ReproductionResult result)
    {
        var header = ReproductionReport.ComparisonHeader(result);
        var table = new Table().AddColumn("Run");
        for (var i = 1; i + 1 < header.Length; i += 2)
        {
            table.AddColumn(Markup.Escape(header[i].Replace(" (paper)", "", StringComparison.Ordinal) + " paper → Bulwark"));
        }

        foreach (var row in ReproductionReport.ComparisonRows(result))
        {
            var cells = new List<string> { Markup.Escape(row[0]) };
            for (var i = 1; i + 1 < row.Length; i += 2)
            {
                cells.Add(Markup.Escape($"{row[i]} → {row[i + 1]}"));
            }

            table.AddRow([.. cells]);
        }

        return table;
    }

    /// <summary>A line per run and stage, and a progress display while a run trains.</summary>
    private sealed class ConsoleObserver(IAnsiConsole console) : IReproductionObserver
    {
        public void RunStarting(ReproductionRun run, int index, int count, bool resuming) =>
            console.MarkupLineInterpolated($"[bold][[{index + 1}/{count}]][/] {run.Label}: {run.Objective}{(run.InitFrom is null ? "" : $", from {run.InitFrom}")}{(resuming ? " (resuming from its checkpoint)" : "")}");

        public TrainingResult Train(ReproductionRun run, Func<IProgress<TrainingProgress>?, TrainingResult> fit) =>
            ProgressDisplay.Run(console, progress => fit(progress));

        // the last quarter of the current stage's inputs announced, so that a long stage prints at most three lines more
        private int announcedQuarter;

        public void Evaluating(ReproductionRun run, string stage)
        {
            announcedQuarter = 0;
            console.MarkupLineInterpolated($"      evaluating: {stage}");
        }

        public void EvaluationProgress(ReproductionRun run, string stage, int done, int total)
        {
            var quarter = total == 0 ? 0 : (int)(4L * done / total);
            if (quarter > announcedQuarter && done < total)
            {
                announcedQuarter = quarter;
                console.MarkupLineInterpolated($"      evaluating: {stage}, {done:N0} of {total:N0} inputs");
            }
        }

        public int Skipped { get; private set; }

        public void RunSkipped(ReproductionRun run, int index, int count, string reason)
        {
            Skipped++;
            console.MarkupLineInterpolated($"[bold][[{index + 1}/{count}]][/] {run.Label}: left to another process ({reason})");
        }

        public void RunFinished(ReproductionRunResult result, int index, int count, bool reused)
        {
            var cost = reused
                ? " (measured earlier)"
                : string.Create(CultureInfo.InvariantCulture, $", {result.Epochs} epochs in {result.TrainSeconds:F1} s + evaluation {result.EvaluationSeconds:F1} s");
            console.MarkupLineInterpolated(
                $"[bold][[{index + 1}/{count}]][/] {result.Label}: accuracy {ReproductionReport.Percent(result.Accuracy)}, ρ_adv {ReproductionReport.Number(result.Rho)}{cost}");
        }
    }
}
