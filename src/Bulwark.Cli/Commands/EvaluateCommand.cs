using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Spectre.Console;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark evaluate</c>: runs an evaluation suite against a trained run and writes its report files.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run directory written by bulwark train", Required = true };
        var suite = new Option<string>("--suite")
        {
            Description = $"Evaluation suite: {EvaluationSuite.Standard} (attacks, worst case, GNR, noise) or {MomentPaperSuite.Name} (the moment-regularizer paper's Table 4: minimum energies of six attacks, GNR, accuracy)",
            DefaultValueFactory = _ => EvaluationSuite.Standard,
        };
        CommonOptions.AcceptOnly(suite, [EvaluationSuite.Standard, MomentPaperSuite.Name], "suite");
        var samples = new Option<int?>("--samples") { Description = $"First N test images (default: {new SuiteOptions().Samples} for {EvaluationSuite.Standard}, {new MomentPaperOptions().Samples} for {MomentPaperSuite.Name})" };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 250 };
        var seed = new Option<ulong>("--seed");
        var dataset = new Option<string?>("--dataset") { Description = "Dataset (default: the run's)" };
        var output = new Option<string?>("--out") { Description = "Directory for report.json/md/html (default: the run directory)" };
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();
        var command = new Command("evaluate", "Run a robustness suite on a trained run and write report.json, report.md and report.html")
        {
            run, suite, samples, batchSize, seed, dataset, output, dataDir, threads,
        };
        command.SetAction(parse =>
        {
            CliRunner.ApplyThreads(parse.GetValue(threads));
            var directory = new RunDirectory(parse.GetValue(run)!);
            var datasetName = CanonicalDataset(parse.GetValue(dataset) ?? TestCommand.RunDataset(directory));
            var momentPaper = parse.GetValue(suite) == MomentPaperSuite.Name;
            var options = new SuiteOptions
            {
                Samples = parse.GetValue(samples) ?? new SuiteOptions().Samples,
                BatchSize = parse.GetValue(batchSize),
                Seed = parse.GetValue(seed),
            };
            var paperOptions = new MomentPaperOptions
            {
                Samples = parse.GetValue(samples) ?? new MomentPaperOptions().Samples,
                BatchSize = parse.GetValue(batchSize),
                Seed = parse.GetValue(seed),
            };
            var limit = momentPaper ? paperOptions.Samples : options.Samples;
            using var model = directory.LoadBestModel();
            using var test = DatasetCatalog.Load(datasetName, DataDirectory.Resolve(parse.GetValue(dataDir)), train: false, limit: limit);
            var console = CliRunner.Console;
            console.MarkupLineInterpolated($"[bold]Evaluating[/] {directory.Path} on {datasetName} ({Math.Min(limit, test.Count)} test images) — {(momentPaper ? paperOptions.ToString() : options.ToString())}");
            var report = Show(console, progress => momentPaper
                ? MomentPaperSuite.Run(new AttackModel(model), test, datasetName, paperOptions, progress, CliRunner.Cancellation)
                : EvaluationSuite.Run(new AttackModel(model), test, datasetName, options, progress, CliRunner.Cancellation));
            report = report with { Run = parse.GetValue(run)!, Model = directory.ReadModelSpec().Architecture };
            var files = ReportWriter.Write(report, parse.GetValue(output) ?? directory.Path);
            if (report.MomentPaper is { } table)
            {
                PrintTable4(console, report, table);
            }
            else
            {
                Print(console, report);
            }

            console.MarkupLineInterpolated($"[green]report[/] {files.Markdown}, {files.Html}, {files.Json}");
            if (parse.GetValue(CommonOptions.Json))
            {
                var json = new JsonObject
                {
                    ["suite"] = report.Suite,
                    ["samples"] = report.Samples,
                    ["clean_accuracy"] = report.CleanAccuracy,
                };
                if (report.MomentPaper is { } energies)
                {
                    json["gnr"] = report.Gnr?.Gnr;
                    json["mean_energy"] = new JsonObject(energies.Attacks.Select(a => KeyValuePair.Create(a.Column, (JsonNode?)a.MeanEnergy)));
                    json["success_rate"] = new JsonObject(energies.Attacks.Select(a => KeyValuePair.Create(a.Column, (JsonNode?)a.SuccessRate)));
                    json["warnings"] = report.Warnings.Count;
                }
                else
                {
                    json["worst_case"] = WorstCaseJson(report);
                    json["gnr"] = report.Gnr?.Gnr;
                    json["warnings"] = report.Warnings.Count;
                    json["warning_codes"] = new JsonArray([.. report.Warnings.Select(w => JsonValue.Create(w.Code))]);
                }

                json["seconds"] = report.Seconds;
                json["report_json"] = files.Json;
                json["report_md"] = files.Markdown;
                json["report_html"] = files.Html;
                CliRunner.WriteJson(json);
            }

            return 0;
        });
        return command;
    }

    /// <summary>The worst-case robust accuracy per norm, keyed by ε.</summary>
    private static JsonObject WorstCaseJson(RobustnessReport report)
    {
        var worst = new JsonObject();
        foreach (var curve in report.WorstCase)
        {
            var byEpsilon = new JsonObject();
            for (var i = 0; i < curve.Epsilons.Count; i++)
            {
                byEpsilon[curve.Epsilons[i].ToString(CultureInfo.InvariantCulture)] = curve.RobustAccuracy[i];
            }

            worst[curve.Norm] = byEpsilon;
        }

        return worst;
    }

    /// <summary>A catalog name for the dataset of a run config; older configs hold a display name such as "MNIST (train)".</summary>
    private static string CanonicalDataset(string name)
    {
        var first = name.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? name;
        return DatasetCatalog.Names.FirstOrDefault(known => string.Equals(known, first, StringComparison.OrdinalIgnoreCase)) ?? name;
    }

    private static RobustnessReport Show(IAnsiConsole console, Func<IProgress<SuiteProgress>, RobustnessReport> work)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return work(new StageLinePrinter(console));
        }

        RobustnessReport report = null!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                var current = -1;
                report = work(new SynchronousProgress(p =>
                {
                    if (p.StageIndex != current)
                    {
                        task?.StopTask();
                        task = context.AddTask($"[{p.StageIndex + 1}/{p.Stages}] {Markup.Escape(p.Stage)}", maxValue: Math.Max(1, p.Total));
                        current = p.StageIndex;
                    }

                    task!.Value = p.Done;
                }));
            });
        return report;
    }

    private static void Print(IAnsiConsole console, RobustnessReport report)
    {
        var table = new Table().AddColumn("attack").AddColumn("norm").AddColumn("robust accuracy by ε").AddColumn("mean norm").AddColumn("seconds");
        foreach (var attack in report.Attacks)
        {
            table.AddRow(Markup.Escape(attack.Attack), attack.Norm, Curve(attack.Epsilons, attack.RobustAccuracy),
                attack.MeanNorm is { } mean ? mean.ToString("F4", CultureInfo.InvariantCulture) : "–",
                attack.Seconds.ToString("F1", CultureInfo.InvariantCulture));
        }

        foreach (var worst in report.WorstCase)
        {
            table.AddRow("[bold]worst case[/]", worst.Norm, Curve(worst.Epsilons, worst.RobustAccuracy), "", "");
        }

        console.MarkupLineInterpolated($"clean accuracy {report.CleanAccuracy:P2} on {report.Samples} images; GNR {(report.Gnr is { } g ? g.Gnr.ToString("F4", CultureInfo.InvariantCulture) : "–")}; {report.Seconds:F1} s");
        console.Write(table);
        foreach (var warning in report.Warnings)
        {
            console.MarkupLineInterpolated($"[yellow]warning[/] {warning.Code}: {warning.Message}");
        }
    }

    /// <summary>The Table 4 row as the paper prints it, then each attack's success rate and median.</summary>
    private static void PrintTable4(IAnsiConsole console, RobustnessReport report, MomentPaperTable table)
    {
        var row = new Table().Title($"Table 4: mean energy {MomentPaperTable.EnergyDefinition} over {table.Correct} correctly classified inputs");
        foreach (var attack in table.Attacks)
        {
            row.AddColumn(Markup.Escape(attack.Column));
        }

        row.AddColumn("GNR").AddColumn("ACC");
        row.AddRow([.. table.Attacks.Select(a => MomentPaperTable.FormatEnergy(a.MeanEnergy)),
            report.Gnr is { } g ? Percent(g.Gnr) : "–", Percent(report.CleanAccuracy)]);
        var details = new Table().AddColumn("column").AddColumn("attack").AddColumn("success rate").AddColumn("median energy").AddColumn("seconds");
        foreach (var attack in table.Attacks)
        {
            details.AddRow(attack.Column, Markup.Escape(attack.Attack), Percent(attack.SuccessRate),
                MomentPaperTable.FormatEnergy(attack.MedianEnergy), attack.Seconds.ToString("F1", CultureInfo.InvariantCulture));
        }

        console.MarkupLineInterpolated($"clean accuracy {report.CleanAccuracy:P2} on {report.Samples} images; {report.Seconds:F1} s");
        console.Write(row);
        console.Write(details);
        foreach (var warning in report.Warnings)
        {
            console.MarkupLineInterpolated($"[yellow]warning[/] {warning.Code}: {warning.Message}");
        }
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";

    private static string Curve(IReadOnlyList<double> epsilons, IReadOnlyList<double> robust) =>
        Markup.Escape(string.Join("  ", epsilons.Select((e, i) => string.Create(CultureInfo.InvariantCulture, $"{e:0.###}:{robust[i] * 100:F1}%"))));

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<SuiteProgress> report) : IProgress<SuiteProgress>
    {
        public void Report(SuiteProgress value) => report(value);
    }

    /// <summary>Without a terminal: one line when each stage ends.</summary>
    private sealed class StageLinePrinter(IAnsiConsole console) : IProgress<SuiteProgress>
    {
        public void Report(SuiteProgress value)
        {
            if (value.Done == value.Total)
            {
                console.WriteLine($"[{value.StageIndex + 1}/{value.Stages}] {value.Stage}: done");
            }
        }
    }
}
