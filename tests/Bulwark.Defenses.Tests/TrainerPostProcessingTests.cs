using System.Text.Json;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.TestKit;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

/// <summary>
/// The trainer's additions for the post-processing protocols: initial weights (the Jacobian paper's second phase),
/// a per-epoch learning-rate decay (the margin paper's ×0.95) and a step budget (the Jacobian paper's iterations), each
/// resuming exactly; and adversarial training resuming exactly, because its draws come from the checkpointed generator.
/// </summary>
public sealed class TrainerPostProcessingTests
{
    private static readonly TrainerOptions Plain = new() { Epochs = 2, BatchSize = 20, LearningRate = 0.01, Seed = 3 };

    [Fact]
    public void Should_StartFromTheGivenWeights_When_InitialWeightsAreSet()
    {
        // Given: a first run, and a second one whose single batch per epoch is the whole set, so that its first-epoch loss
        // is the loss of the weights it starts from
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(60, sampleSeed: 1);
        var first = new RunDirectory(folder["first"]);
        new Trainer(Plain with { Seed = 1 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, first);
        var second = Plain with { BatchSize = 60, Epochs = 1, Seed = 2, InitialWeights = first.BestWeightsFile };
        using var loaded = first.LoadBestModel();
        double expected;
        using (var scope = TensorScope.Begin())
        {
            using var noGrad = Autograd.NoGrad();
            using var all = train.Batch(Torch.Torch.Arange(60));
            expected = Functional.CrossEntropy(loaded.Forward(all.Images), all.Labels).ToDouble();
        }

        // When
        var postProcessed = new Trainer(second, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["post"]));
        var fromScratch = new Trainer(second with { InitialWeights = null }, new CrossEntropyObjective())
            .Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["scratch"]));

        // Then
        postProcessed.History[0].TrainLoss.ShouldBe(expected, tolerance: 1e-6);
        Math.Abs(fromScratch.History[0].TrainLoss - expected).ShouldBeGreaterThan(1e-3, "a fresh model must start elsewhere, or the check proves nothing");
        var config = JsonDocument.Parse(File.ReadAllText(new RunDirectory(folder["post"]).ConfigFile));
        config.RootElement.GetProperty("options").GetProperty("InitialWeights").GetString().ShouldBe(first.BestWeightsFile);
    }

    [Fact]
    public void Should_NotReloadTheInitialWeights_When_AnExtendedRunResumes()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(60, sampleSeed: 1);
        var first = new RunDirectory(folder["first"]);
        new Trainer(Plain, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, first);
        var protocol = Plain with { Epochs = 4, Seed = 9, InitialWeights = first.BestWeightsFile };
        var uninterrupted = new RunDirectory(folder["uninterrupted"]);
        var extended = new RunDirectory(folder["extended"]);
        var expected = new Trainer(protocol, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, uninterrupted);
        new Trainer(protocol with { Epochs = 2 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, extended);

        // When: resumed with the weights file gone, which a reload would need
        File.Delete(first.BestWeightsFile);
        var resumed = new Trainer(protocol, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, extended, resume: true);

        // Then
        ShouldMatch(resumed, extended, expected, uninterrupted);
    }

    [Fact]
    public void Should_RefuseMissingInitialWeights_When_StartingARun()
    {
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(20, sampleSeed: 1);
        var run = new RunDirectory(folder["run"]);
        var options = Plain with { InitialWeights = Path.Combine(folder.Path, "missing.safetensors") };
        Should.Throw<FileNotFoundException>(() => new Trainer(options, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, run));
        Directory.Exists(run.Path).ShouldBeFalse();
    }

    [Fact]
    public void Should_MultiplyTheRateEveryEpochAndResumeWithIt_When_ALearningRateDecayIsSet()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(60, sampleSeed: 1);
        var protocol = Plain with { Epochs = 4, LearningRateDecay = 0.5 };
        var uninterrupted = new RunDirectory(folder["uninterrupted"]);
        var extended = new RunDirectory(folder["extended"]);
        var expected = new Trainer(protocol, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, uninterrupted);
        new Trainer(protocol with { Epochs = 2 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, extended);

        // When
        var resumed = new Trainer(protocol, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, extended, resume: true);

        // Then: the rate recorded for an epoch is the one set at its end, 0.01·0.5^(e+1)
        expected.History.Select(m => m.LearningRate).ShouldBe([0.005, 0.0025, 0.00125, 0.000625], tolerance: 1e-15);
        ShouldMatch(resumed, extended, expected, uninterrupted);
    }

    [Fact]
    public void Should_RefuseADecayWithAPlateauScheduleOrABadFactor_When_Fitting()
    {
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(20, sampleSeed: 1);
        ITrainingObjective ce = new CrossEntropyObjective();
        Should.Throw<ArgumentException>(() => new Trainer(Plain with { LearningRateDecay = 0.9, PlateauFactor = 0.5 }, ce)
            .Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["a"])));
        Should.Throw<ArgumentOutOfRangeException>(() => new Trainer(Plain with { LearningRateDecay = 0 }, ce)
            .Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["b"])));
        Should.Throw<ArgumentOutOfRangeException>(() => new Trainer(Plain with { MaxSteps = 0 }, ce)
            .Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["c"])));
    }

    [Fact]
    public void Should_StopAtTheStepBudgetInsideAnEpochAndResumeToTheSameStep_When_MaxStepsIsSet()
    {
        // Given: 100 samples in batches of 20 make 5 steps an epoch; 7 steps end two steps into the second epoch
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(100, sampleSeed: 1);
        var protocol = Plain with { Epochs = 10, MaxSteps = 7 };
        var uninterrupted = new RunDirectory(folder["uninterrupted"]);
        var interrupted = new RunDirectory(folder["interrupted"]);
        var reports = new List<TrainingProgress>();
        var expected = new Trainer(protocol, new CrossEntropyObjective())
            .Fit(TinyRuns.Mlp(dropout: 0.2), train, null, uninterrupted, progress: new SynchronousProgress(reports.Add));
        using var stop = new CancellationTokenSource();
        var stopAfterFirst = new SynchronousProgress(p =>
        {
            if (p.Epoch == 0 && p.Batch == p.Batches)
            {
                stop.Cancel();
            }
        });
        Should.Throw<OperationCanceledException>(() => new Trainer(protocol, new CrossEntropyObjective())
            .Fit(TinyRuns.Mlp(dropout: 0.2), train, null, interrupted, progress: stopAfterFirst, cancellation: stop.Token));

        // When
        var resumed = new Trainer(protocol, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(dropout: 0.2), train, null, interrupted, resume: true);

        // Then: progress counts to the 2 epochs the budget reaches, and to the 2 batches of the partial second one
        reports.Count.ShouldBe(7);
        reports.ShouldAllBe(r => r.Epochs == 2);
        reports.Where(r => r.Epoch == 0).Select(r => r.Batches).Distinct().ShouldBe([5]);
        reports.Where(r => r.Epoch == 1).Select(r => (r.Batch, r.Batches)).ShouldBe([(1, 2), (2, 2)]);
        expected.Epochs.ShouldBe(2);
        JsonDocument.Parse(File.ReadAllText(uninterrupted.CheckpointStateFile)).RootElement.GetProperty("Steps").GetInt64().ShouldBe(7);
        ShouldMatch(resumed, interrupted, expected, uninterrupted);
    }

    [Fact]
    public void Should_EqualAnEpochBoundRun_When_TheStepBudgetEndsAnEpoch()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(100, sampleSeed: 1);
        var byEpochs = new RunDirectory(folder["epochs"]);
        var bySteps = new RunDirectory(folder["steps"]);
        var expected = new Trainer(Plain with { Epochs = 1 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, byEpochs);

        // When
        var actual = new Trainer(Plain with { Epochs = 10, MaxSteps = 5 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, bySteps);

        // Then
        ShouldMatch(actual, bySteps, expected, byEpochs);
    }

    [Theory]
    [InlineData("pgd-at")]
    [InlineData("input-gradient+fgsm-at")]
    public void Should_EndBitIdenticalToAnUninterruptedRun_When_AnAdversarialTrainingRunIsCancelledAndResumed(string objectiveName)
    {
        // Given: a random start and a perturbed fraction, both drawn during training
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(60, sampleSeed: 1);
        var settings = new ObjectiveSettings { Epsilon = 0.1, Steps = 3, StepSize = 0.04, PerturbedFraction = 0.5, Seed = 2 };
        var protocol = Plain with { Epochs = 3 };
        var uninterrupted = new RunDirectory(folder["uninterrupted"]);
        var interrupted = new RunDirectory(folder["interrupted"]);
        var expected = new Trainer(protocol, Objectives.Objectives.Create(objectiveName, settings)).Fit(TinyRuns.Mlp(), train, null, uninterrupted);
        using var stop = new CancellationTokenSource();
        var stopAfterFirst = new SynchronousProgress(p =>
        {
            if (p.Epoch == 0 && p.Batch == p.Batches)
            {
                stop.Cancel();
            }
        });
        Should.Throw<OperationCanceledException>(() => new Trainer(protocol, Objectives.Objectives.Create(objectiveName, settings))
            .Fit(TinyRuns.Mlp(), train, null, interrupted, progress: stopAfterFirst, cancellation: stop.Token));

        // When: a new objective object, as a new process would have
        var resumed = new Trainer(protocol, Objectives.Objectives.Create(objectiveName, settings))
            .Fit(TinyRuns.Mlp(), train, null, interrupted, resume: true);

        // Then
        ShouldMatch(resumed, interrupted, expected, uninterrupted);
    }

    private static void ShouldMatch(TrainingResult actual, RunDirectory actualRun, TrainingResult expected, RunDirectory expectedRun)
    {
        RunFiles.ShouldHoldIdenticalTensors(actualRun.CheckpointWeightsFile, expectedRun.CheckpointWeightsFile);
        RunFiles.ShouldHoldIdenticalTensors(actualRun.CheckpointOptimizerFile, expectedRun.CheckpointOptimizerFile);
        RunFiles.ShouldHoldIdenticalTensors(actualRun.BestWeightsFile, expectedRun.BestWeightsFile);
        HistoryAssertions.WithoutTiming(actualRun.ReadMetrics()).ShouldBe(HistoryAssertions.WithoutTiming(expectedRun.ReadMetrics()));
        HistoryAssertions.WithoutTiming(actual.History).ShouldBe(HistoryAssertions.WithoutTiming(expected.History));
        actual.Epochs.ShouldBe(expected.Epochs);
        actual.BestEpoch.ShouldBe(expected.BestEpoch);
    }
}
