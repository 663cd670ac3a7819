using Bulwark.Attacks;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Tests;
using Bulwark.Defenses.Training;
using Bulwark.TestKit;

namespace Bulwark.Experiments.Tests;

public sealed class ReproductionTests
{
    private static ReproductionRunResult Result(string id, double accuracy, double? rho = null, double[]? epsilons = null, double[]? fgsm = null) => new()
    {
        Id = id,
        Label = id,
        Accuracy = accuracy,
        Rho = rho,
        FgsmEpsilons = epsilons ?? [],
        FgsmAccuracy = fgsm ?? [],
    };

    [Fact]
    public void Should_HoldOrFailEachCheck_When_MetricsAreAgainstFactorsAndOffsets()
    {
        // Given: ρ 0.2 → 0.31 (1.55×), accuracy 0.99 → 0.975, FGSM error at 0.2 of 0.08
        var results = new[]
        {
            Result("plain", 0.99, rho: 0.2, [0.2], [0.30]),
            Result("defended", 0.975, rho: 0.31, [0.2], [0.92]),
        };
        ReproductionCheck[] checks =
        [
            new("ρ ≥ 1.5×", "rho", "defended", "plain", Factor: 1.5),
            new("ρ ≥ 1.6×", "rho", "defended", "plain", Factor: 1.6),
            new("accuracy within 1 point", "accuracy", "defended", "plain", Offset: -0.01),
            new("FGSM error ≤ 10%", "fgsm-error:0.2", "defended", Offset: 0.10, AtMost: true),
            new("FGSM +15 points", "fgsm:0.2", "defended", "plain", Offset: 0.15),
            new("not measured", "rho", "missing", "plain", Factor: 1),
            new("no such ε", "fgsm:0.3", "defended", Offset: 0.5),
        ];

        // When
        var evaluated = ReproductionResult.Evaluate(checks, results);

        // Then
        evaluated.Select(c => c.Holds).ShouldBe([true, false, false, true, true, null, null]);
        evaluated[0].Bound!.Value.ShouldBe(0.3, 1e-12);
        evaluated[2].Bound!.Value.ShouldBe(0.98, 1e-12);
        evaluated[3].Value!.Value.ShouldBe(0.08, 1e-12);
    }

    [Fact]
    public void Should_WarnOfGradientMasking_When_FgsmAccuracyRisesWithEpsilonOrDeepFoolLeavesInputsUnbroken()
    {
        // Given: a sound run; one whose FGSM accuracy rises with ε; one whose accuracy at ε = 0 is not its clean
        // accuracy; one that DeepFool broke only in part
        var sound = Result("sound", 0.99, rho: 0.2, epsilons: [0, 0.1, 0.2], fgsm: [0.99, 0.6, 0.3]) with { DeepFoolSuccessRate = 1 };
        var rising = Result("rising", 0.99, epsilons: [0, 0.1, 0.2], fgsm: [0.99, 0.3, 0.5]);
        var shifted = Result("shifted", 0.99, epsilons: [0, 0.1], fgsm: [0.97, 0.5]);
        var masked = Result("masked", 0.98, rho: 0.15) with { DeepFoolSuccessRate = 0.873 };

        // When
        var warnings = ReproductionResult.Sanity([sound, rising, shifted, masked]);

        // Then
        warnings.Select(w => w.Code).ShouldBe(["non-monotonic", "eps-zero-accuracy", "deepfool-incomplete"]);
        warnings[0].Message.ShouldStartWith("rising, FGSM");
        warnings[1].Message.ShouldStartWith("shifted, FGSM");
        warnings[2].Message.ShouldStartWith("masked, DeepFool");
        warnings[2].Message.ShouldContain("87.3");
    }

    [Fact]
    public void Should_NotWarn_When_TheRiseIsWithinTheToleranceOrFgsmRanOnFewerInputsThanTheCleanAccuracy()
    {
        // Given: a rise of 0.3 points (under the 0.5-point tolerance), and FGSM on the first 256 of 10,000 inputs
        var flat = Result("flat", 0.99, epsilons: [0, 0.1, 0.2], fgsm: [0.99, 0.300, 0.303]);
        var subset = Result("subset", 0.99, epsilons: [0, 0.1], fgsm: [0.95, 0.5]) with
        {
            Evaluation = new ReproductionEvaluation { TestSamples = 10_000, FgsmSamples = 256 },
        };

        // When / Then
        ReproductionResult.Sanity([flat, subset]).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_ShowTheSanityWarningsOrThatNoneFailed_When_Rendered(bool rising)
    {
        // Given: one run whose FGSM accuracy rises with ε, or falls
        var run = Result("plain", 0.99, epsilons: [0, 0.1, 0.2], fgsm: rising ? [0.99, 0.3, 0.5] : [0.99, 0.5, 0.3]);
        var result = new ReproductionResult
        {
            Name = "tiny",
            Title = "Tiny",
            Source = "a test",
            Evaluation = new ReproductionEvaluation(),
            Plan = [Tiny().Runs[0]],
            Results = [run],
            Paper = new Dictionary<string, PaperValues>(),
            Checks = [],
            Warnings = ReproductionResult.Sanity([run]),
            Updated = "2026-01-01 00:00 UTC",
        };

        // When
        var markdown = ReproductionReport.RenderMarkdown(result);
        var html = ReproductionReport.RenderHtml(result);

        // Then
        markdown.Contains("## Sanity warnings", StringComparison.Ordinal).ShouldBe(rising);
        markdown.Contains("`non-monotonic`: plain, FGSM", StringComparison.Ordinal).ShouldBe(rising);
        html.Contains("<section id=\"warnings\" class=\"warnings\"", StringComparison.Ordinal).ShouldBe(rising);
        html.Contains("No sanity check failed.", StringComparison.Ordinal).ShouldBe(!rising);
    }

    [Fact]
    public void Should_OrderRunsByTheMeanHeightOfTheirCurves_When_ChecksUseFgsmMeanAndJsmaMean()
    {
        // Given: ε = 0 is clean accuracy and stays out of the FGSM mean; B's FGSM curve is higher on average though it
        // is lower at the first ε, A's JSMA curve is higher
        var a = Result("a", 0.99, epsilons: [0, 0.1, 0.2, 0.3], fgsm: [0.99, 0.90, 0.40, 0.10]) with { JsmaThetas = [0.5, 1], JsmaAccuracy = [0.6, 0.4] };
        var b = Result("b", 0.97, epsilons: [0, 0.1, 0.2, 0.3], fgsm: [0.90, 0.80, 0.60, 0.30]) with { JsmaThetas = [0.5, 1], JsmaAccuracy = [0.5, 0.3] };
        var clean = Result("clean", 0.99, epsilons: [0], fgsm: [0.99]);
        ReproductionCheck[] checks =
        [
            new("FGSM: b above a", "fgsm-mean", "b", "a"),
            new("FGSM: a above b", "fgsm-mean", "a", "b"),
            new("JSMA: a above b", "jsma-mean", "a", "b"),
            new("JSMA: b above a", "jsma-mean", "b", "a"),
            new("no attacked ε", "fgsm-mean", "clean", "a"),
            new("no JSMA", "jsma-mean", "clean", "a"),
        ];

        // When
        var evaluated = ReproductionResult.Evaluate(checks, [a, b, clean]);

        // Then: means 0.4667 against 0.5667 (FGSM) and 0.5 against 0.4 (JSMA)
        evaluated.Select(c => c.Holds).ShouldBe([true, false, true, false, null, null]);
        evaluated[0].Value!.Value.ShouldBe((0.8 + 0.6 + 0.3) / 3, 1e-12);
        evaluated[0].Bound!.Value.ShouldBe((0.9 + 0.4 + 0.1) / 3, 1e-12);
        evaluated[2].Value!.Value.ShouldBe(0.5, 1e-12);
        Should.Throw<ArgumentException>(() => a.Metric("fgsm-median")).Message.ShouldContain("jsma-mean");
    }

    [Fact]
    public void Should_KeepTheRunsAPostProcessingRunStartsFrom_When_OverridingTheRunList()
    {
        // Given
        var full = ReproductionCatalog.Get(ReproductionCatalog.JacobianTable2);

        // When
        var reduced = ReproductionCatalog.Override(full, epochs: 2, trainSamples: 100, testSamples: 50, runs: ["jacobian"]);

        // Then
        reduced.Runs.Select(r => r.Id).ShouldBe(["plain", "jacobian"]);
        reduced.Runs.ShouldAllBe(r => r.Training.Epochs == 2);
        reduced.TrainSamples.ShouldBe(100);
        reduced.Evaluation.TestSamples.ShouldBe(50);
        reduced.Evaluation.JsmaSamples.ShouldBe(50);
        reduced.Overrides.Count.ShouldBe(4);
        Should.Throw<ArgumentException>(() => ReproductionCatalog.Override(full, runs: ["nope"])).Message.ShouldContain("jacobian-at");
        Should.Throw<ArgumentException>(() => ReproductionCatalog.Override(full, epochs: 0));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_BuildEveryObjectiveAndLabelEveryPaperRow_When_ReadingTheCatalog(bool quick)
    {
        foreach (var name in ReproductionCatalog.Names)
        {
            var reproduction = ReproductionCatalog.Get(name, quick);
            reproduction.Quick.ShouldBe(quick);
            reproduction.Paper.Keys.ShouldBe(reproduction.Runs.Select(r => r.Label), ignoreOrder: true);
            foreach (var run in reproduction.Runs)
            {
                using var objective = Objectives.Create(run.Objective, run.Settings) as IDisposable;
                if (run.InitFrom is { } from)
                {
                    reproduction.Runs.TakeWhile(r => r != run).Select(r => r.Id).ShouldContain(from);
                }
            }

            foreach (var check in reproduction.Checks)
            {
                reproduction.Runs.Select(r => r.Id).ShouldContain(check.Run);
            }
        }

        Should.Throw<ArgumentException>(() => ReproductionCatalog.Get("table-9"));
    }

    private static Reproduction Tiny() => new()
    {
        Name = "tiny",
        Title = "Tiny",
        Source = "a test",
        Runs =
        [
            new("plain", "Plain", TinyRuns.Mlp(), new TrainerOptions { Epochs = 2, BatchSize = 20, LearningRate = 0.05, Seed = 3 }, "ce", new ObjectiveSettings()),
            new("fine", "Fine-tuned", TinyRuns.Mlp(), new TrainerOptions { Epochs = 1, BatchSize = 20, LearningRate = 0.01, Seed = 3 },
                "input-gradient", new ObjectiveSettings { Lambda = 0.1 }, InitFrom: "plain"),
        ],
        Evaluation = new ReproductionEvaluation
        {
            TestSamples = 40,
            DeepFool = DeepFoolOptions.Lts4,
            DeepFoolOnPrediction = true,
            Rho = RhoConvention.OverAll,
            FgsmEpsilons = [0, 0.1, 0.3],
            BatchSize = 16,
        },
        Paper = new Dictionary<string, PaperValues> { ["Plain"] = new() { Accuracy = 0.9, Rho = 0.1 }, ["Fine-tuned"] = new() { Accuracy = 0.8 } },
        Checks = [new("fine-tuning keeps accuracy", "accuracy", "fine", "plain", Offset: -1)],
    };

    [Fact]
    public void Should_TrainMeasureAndReuse_When_RunTwice()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(40, sampleSeed: 2);

        // When
        var first = ReproductionRunner.Run(Tiny(), train, test, folder["r"]);
        var observer = new Observer();
        var second = ReproductionRunner.Run(Tiny(), train, test, folder["r"], observer);

        // Then: measurements are properties of the runs — FGSM accuracy falls with ε from the clean accuracy, ρ is positive
        first.Results.Count.ShouldBe(2);
        foreach (var run in first.Results)
        {
            run.FgsmAccuracy[0].ShouldBe(run.Accuracy, 1e-12);
            run.FgsmAccuracy.ShouldBe(run.FgsmAccuracy.OrderByDescending(a => a).ToList());
            run.Rho!.Value.ShouldBeGreaterThan(0);
        }

        first.Checks.Single().Holds.ShouldBe(true);
        observer.Reused.ShouldBe([0, 1]);
        second.Results.Select(r => r.Accuracy).ShouldBe(first.Results.Select(r => r.Accuracy));
        var markdown = File.ReadAllText(Path.Combine(folder["r"], ReproductionReport.MarkdownFileName));
        markdown.ShouldContain("| Plain | 90.00% | " + ReproductionReport.Percent(first.Results[0].Accuracy));
        markdown.ShouldContain("✓ fine-tuning keeps accuracy");
        File.ReadAllText(Path.Combine(folder["r"], ReproductionReport.HtmlFileName)).ShouldContain("chart-fgsm");
        ReproductionReport.Read(Path.Combine(folder["r"], ReproductionReport.JsonFileName)).Results.Select(r => r.Rho)
            .ShouldBe(first.Results.Select(r => r.Rho));
    }

    [Fact]
    public void Should_LeaveRunsToTheProcessHoldingThemAndReportThemOnceMeasured_When_ProcessesShareADirectory()
    {
        // Given: another process holds 'plain', which 'fine' starts from
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(40, sampleSeed: 2);
        var plain = new RunDirectory(Path.Combine(folder["r"], "plain"));
        var fine = new RunDirectory(Path.Combine(folder["r"], "fine"));
        var heldPlain = plain.TryClaim().ShouldNotBeNull();
        plain.TryClaim().ShouldBeNull();

        // When
        var blockedObserver = new SharingObserver();
        var blocked = ReproductionRunner.Run(Tiny(), train, test, folder["r"], blockedObserver);

        // Then: nothing trained here, and both runs are left with their reasons
        blocked.Results.ShouldBeEmpty();
        plain.HasCheckpoint.ShouldBeFalse();
        blockedObserver.Skipped.ShouldBe(["plain: another process holds it", "fine: it starts from 'plain', which another process holds"]);
        heldPlain.Dispose();

        // And: a trainer outside any reproduction (the run's lock, no claim) is left alone too
        using (plain.Lock())
        {
            ReproductionRunner.Run(Tiny(), train, test, folder["r"]).Results.ShouldBeEmpty();
            plain.HasCheckpoint.ShouldBeFalse();
        }

        // And when: this process trains 'plain' and finds 'fine' held; the holder lets go and measures it meanwhile
        var heldFine = fine.TryClaim().ShouldNotBeNull();
        ReproductionResult? other = null;
        var sharingObserver = new SharingObserver
        {
            OnSkipped = () =>
            {
                heldFine.Dispose();
                other = ReproductionRunner.Run(Tiny(), train, test, folder["r"]);
            },
        };
        var shared = ReproductionRunner.Run(Tiny(), train, test, folder["r"], sharingObserver);

        // Then: the other process reused 'plain' and trained 'fine'; this one reports both, 'fine' as the other measured it
        sharingObserver.Skipped.ShouldBe(["fine: another process holds it"]);
        sharingObserver.Trained.ShouldBe(["plain"]);
        other.ShouldNotBeNull().Results.Select(r => r.Id).ShouldBe(["plain", "fine"]);
        shared.Results.Select(r => r.Id).ShouldBe(["plain", "fine"]);
        shared.Results[1].Accuracy.ShouldBe(other.Results[1].Accuracy);
        shared.Results[1].Rho.ShouldBe(other.Results[1].Rho);
        shared.Checks.Single().Holds.ShouldNotBeNull();
        File.Exists(Path.Combine(fine.Path, ".claim")).ShouldBeFalse();
    }

    [Fact]
    public void Should_StartFromAHeldPredecessor_When_OnlyItsTrainingIsFinished()
    {
        // Given: 'plain' trained and measured, then its checkpoint set back to its first epoch as an interruption leaves
        // it, its measurements gone, and held by another process
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(40, sampleSeed: 2);
        ReproductionRunner.Run(Tiny() with { Runs = [Tiny().Runs[0]] }, train, test, folder["r"]);
        var plain = new RunDirectory(Path.Combine(folder["r"], "plain"));
        var fine = new RunDirectory(Path.Combine(folder["r"], "fine"));
        File.Delete(Path.Combine(plain.Path, ReproductionRunner.RunResultFileName));
        var trained = plain.ReadCheckpointState().ShouldNotBeNull();
        trained.Epoch.ShouldBe(1);
        plain.WriteCheckpointState(trained with { Epoch = 0, Steps = trained.Steps / 2 });

        // When
        var unfinishedObserver = new SharingObserver();
        using (plain.TryClaim().ShouldNotBeNull())
        {
            ReproductionRunner.Run(Tiny(), train, test, folder["r"], unfinishedObserver);
        }

        // Then: the successor waits for the rest of its predecessor's training
        unfinishedObserver.Skipped.ShouldBe(["plain: another process holds it", "fine: it starts from 'plain', which another process holds"]);
        fine.HasCheckpoint.ShouldBeFalse();

        // And when: the checkpoint records the finished training again, while the holder measures 'plain' anew
        plain.WriteCheckpointState(trained);
        var finishedObserver = new SharingObserver();
        ReproductionResult finished;
        using (plain.TryClaim().ShouldNotBeNull())
        {
            finished = ReproductionRunner.Run(Tiny(), train, test, folder["r"], finishedObserver);
        }

        // Then: the successor trains from the finished weights without waiting for the measurements
        finishedObserver.Skipped.ShouldBe(["plain: another process holds it"]);
        finishedObserver.Trained.ShouldBe(["fine"]);
        finished.Results.Select(r => r.Id).ShouldBe(["fine"]);
    }

    [Fact]
    public void Should_ReportEachStagesProgressBatchByBatch_When_Measuring()
    {
        // Given: 40 test inputs in batches of 16, JSMA on the first 20
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(40, sampleSeed: 2);
        var reproduction = Tiny() with
        {
            Runs = [Tiny().Runs[0]],
            Evaluation = Tiny().Evaluation with { JsmaThetas = [1.0], JsmaSamples = 20 },
        };
        var observer = new ProgressObserver();

        // When
        ReproductionRunner.Run(reproduction, train, test, folder["r"], observer);

        // Then: every stage that measures attacks counts from 0 to its inputs, one batch at a time
        observer.Stages.ShouldBe(["accuracy", "deepfool", "fgsm", "jsma θ=1"]);
        observer.Progress.Keys.ShouldBe(["deepfool", "fgsm", "jsma θ=1"], ignoreOrder: true);
        observer.Progress["deepfool"].ShouldBe([(0, 40), (16, 40), (32, 40), (40, 40)]);
        observer.Progress["fgsm"].ShouldBe([(0, 40), (16, 40), (32, 40), (40, 40)]);
        observer.Progress["jsma θ=1"].ShouldBe([(0, 20), (16, 20), (20, 20)]);
    }

    [Fact]
    public void Should_StartFromTheEarlierRunsWeights_When_PostProcessing()
    {
        // Given: a fine-tuning run with a zero learning rate keeps the weights it starts from
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(40, sampleSeed: 2);
        var frozen = Tiny() with
        {
            Runs = [Tiny().Runs[0], Tiny().Runs[1] with { Training = Tiny().Runs[1].Training with { LearningRate = 0, Seed = 99 } }],
        };

        // When
        var result = ReproductionRunner.Run(frozen, train, test, folder["r"]);

        // Then: the same model twice, so the same measurements
        result.Results[1].Accuracy.ShouldBe(result.Results[0].Accuracy);
        result.Results[1].Rho.ShouldBe(result.Results[0].Rho);
        result.Results[1].FgsmAccuracy.ShouldBe(result.Results[0].FgsmAccuracy);
    }

    /// <summary>Tiny's first run alone, trained for <paramref name="epochs"/>.</summary>
    private static Reproduction PlainOnly(int epochs) => Tiny() with
    {
        Runs = [Tiny().Runs[0] with { Training = Tiny().Runs[0].Training with { Epochs = epochs } }],
        Checks = [],
    };

    [Fact]
    public void Should_ContinueFromTheCheckpoint_When_AskedForMoreEpochs()
    {
        // Given: a run trained for 1 epoch, and the same run trained for 2 from the start
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(40, sampleSeed: 2);
        var once = ReproductionRunner.Run(PlainOnly(1), train, test, folder["extended"]);
        var straight = ReproductionRunner.Run(PlainOnly(2), train, test, folder["straight"]);

        // When: asked again for 2 epochs
        var extended = ReproductionRunner.Run(PlainOnly(2), train, test, folder["extended"]);

        // Then: the run continued (resuming is exact), so it measures what the straight 2-epoch run measures
        once.Results[0].Epochs.ShouldBe(1);
        extended.Results[0].Epochs.ShouldBe(2);
        extended.Results[0].Accuracy.ShouldBe(straight.Results[0].Accuracy);
        extended.Results[0].Rho.ShouldBe(straight.Results[0].Rho);
        extended.Results[0].FgsmAccuracy.ShouldBe(straight.Results[0].FgsmAccuracy);
        File.ReadAllLines(Path.Combine(folder["extended"], "plain", "metrics.jsonl")).Length.ShouldBe(2);
        File.ReadAllBytes(Path.Combine(folder["extended"], "plain", "best.safetensors"))
            .ShouldBe(File.ReadAllBytes(Path.Combine(folder["straight"], "plain", "best.safetensors")));
    }

    [Fact]
    public void Should_MeasureAgainWithoutTraining_When_TheEvaluationChanges()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(40, sampleSeed: 2);
        var first = ReproductionRunner.Run(PlainOnly(1), train, test, folder["r"]);
        var weights = File.ReadAllBytes(Path.Combine(folder["r"], "plain", "best.safetensors"));
        var other = PlainOnly(1) with { Evaluation = PlainOnly(1).Evaluation with { FgsmEpsilons = [0, 0.2] } };

        // When
        var second = ReproductionRunner.Run(other, train, test, folder["r"]);

        // Then: new measurements of the same model
        second.Results[0].FgsmEpsilons.ShouldBe([0, 0.2]);
        second.Results[0].Accuracy.ShouldBe(first.Results[0].Accuracy);
        second.Results[0].Rho.ShouldBe(first.Results[0].Rho);
        File.ReadAllLines(Path.Combine(folder["r"], "plain", "metrics.jsonl")).Length.ShouldBe(1);
        File.ReadAllBytes(Path.Combine(folder["r"], "plain", "best.safetensors")).ShouldBe(weights);
    }

    [Fact]
    public void Should_RefuseTheDirectory_When_ItsRunsWereTrainedOtherwise()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(40, sampleSeed: 2);
        ReproductionRunner.Run(Tiny(), train, test, folder["r"]);
        var metrics = File.ReadAllText(Path.Combine(folder["r"], "fine", "metrics.jsonl"));
        var otherRate = Tiny() with { Runs = [Tiny().Runs[0], Tiny().Runs[1] with { Training = Tiny().Runs[1].Training with { LearningRate = 0.02 } }] };
        var longerParent = Tiny() with { Runs = [Tiny().Runs[0] with { Training = Tiny().Runs[0].Training with { Epochs = 3 } }, Tiny().Runs[1]] };

        // When / Then: another learning rate, another parent (its weights differ), a shorter budget, an unknown run
        Should.Throw<InvalidOperationException>(() => ReproductionRunner.Run(otherRate, train, test, folder["r"]))
            .Message.ShouldContain("run.training.learning_rate");
        Should.Throw<InvalidOperationException>(() => ReproductionRunner.Run(longerParent, train, test, folder["r"]))
            .Message.ShouldContain("starts_from.run.training.epochs");
        Should.Throw<InvalidOperationException>(() => ReproductionRunner.Run(PlainOnly(1), train, test, folder["r"]))
            .Message.ShouldContain("cannot be shortened");
        File.Delete(Path.Combine(folder["r"], "fine", "reproduce-plan.json"));
        Should.Throw<InvalidOperationException>(() => ReproductionRunner.Run(Tiny(), train, test, folder["r"]))
            .Message.ShouldContain("no reproduce-plan.json");

        // and nothing was trained by the refused invocations
        File.ReadAllText(Path.Combine(folder["r"], "fine", "metrics.jsonl")).ShouldBe(metrics);
        File.ReadAllLines(Path.Combine(folder["r"], "plain", "metrics.jsonl")).Length.ShouldBe(2);
    }

    private sealed class ProgressObserver : IReproductionObserver
    {
        public List<string> Stages { get; } = [];

        public Dictionary<string, List<(int Done, int Total)>> Progress { get; } = [];

        public void RunStarting(ReproductionRun run, int index, int count, bool resuming)
        {
        }

        public TrainingResult Train(ReproductionRun run, Func<IProgress<TrainingProgress>?, TrainingResult> fit) => fit(null);

        public void Evaluating(ReproductionRun run, string stage) => Stages.Add(stage);

        public void EvaluationProgress(ReproductionRun run, string stage, int done, int total)
        {
            if (!Progress.TryGetValue(stage, out var steps))
            {
                Progress[stage] = steps = [];
            }

            steps.Add((done, total));
        }

        public void RunFinished(ReproductionRunResult result, int index, int count, bool reused)
        {
        }
    }

    private sealed class SharingObserver : IReproductionObserver
    {
        public List<string> Skipped { get; } = [];

        public List<string> Trained { get; } = [];

        public Action? OnSkipped { get; init; }

        public void RunStarting(ReproductionRun run, int index, int count, bool resuming) => Trained.Add(run.Id);

        public TrainingResult Train(ReproductionRun run, Func<IProgress<TrainingProgress>?, TrainingResult> fit) => fit(null);

        public void Evaluating(ReproductionRun run, string stage)
        {
        }

        public void RunFinished(ReproductionRunResult result, int index, int count, bool reused)
        {
        }

        public void RunSkipped(ReproductionRun run, int index, int count, string reason)
        {
            Skipped.Add($"{run.Id}: {reason}");
            OnSkipped?.Invoke();
        }
    }

    private sealed class Observer : IReproductionObserver
    {
        public List<int> Reused { get; } = [];

        public void RunStarting(ReproductionRun run, int index, int count, bool resuming) => throw new InvalidOperationException("nothing should train");

        public TrainingResult Train(ReproductionRun run, Func<IProgress<TrainingProgress>?, TrainingResult> fit) => fit(null);

        public void Evaluating(ReproductionRun run, string stage)
        {
        }

        public void RunFinished(ReproductionRunResult result, int index, int count, bool reused)
        {
            if (reused)
            {
                Reused.Add(index);
            }
        }
    }
}
