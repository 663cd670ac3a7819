using Bulwark.TestKit;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;

namespace Bulwark.Defenses.Tests;

public sealed class TrainerResumeTests
{
    private const int Epochs = 6;

    // Dropout draws from libtorch's generator during training and the plateau schedule carries state across epochs,
    // so a resume that forgot the RNG state or the scheduler would not end where an uninterrupted run does.
    private static readonly TrainerOptions Protocol = new()
    {
        Epochs = Epochs,
        BatchSize = 20,
        LearningRate = 0.01,
        Seed = 11,
        ValidationSplit = 0.2,
        PlateauFactor = 0.5,
        PlateauPatience = 1,
    };

    [Fact]
    public void Should_EndBitIdenticalToAnUninterruptedRun_When_CancelledAfterThreeEpochsAndResumed()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(150, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(60, sampleSeed: 2);
        var trainer = new Trainer(Protocol, new CrossEntropyObjective());
        var spec = TinyRuns.Mlp(dropout: 0.2);
        var uninterrupted = new RunDirectory(folder["uninterrupted"]);
        var interrupted = new RunDirectory(folder["interrupted"]);
        var expected = trainer.Fit(spec, train, test, uninterrupted);
        using var stop = new CancellationTokenSource();
        var stopAfterThird = new SynchronousProgress(p =>
        {
            if (p.Epoch == 2 && p.Batch == p.Batches)
            {
                stop.Cancel();
            }
        });
        Should.Throw<OperationCanceledException>(() => trainer.Fit(spec, train, test, interrupted, progress: stopAfterThird, cancellation: stop.Token));
        interrupted.ReadMetrics().Count.ShouldBe(3);

        // When
        var resumed = trainer.Fit(spec, train, test, interrupted, resume: true);

        // Then
        ShouldMatch(resumed, interrupted, expected, uninterrupted);
    }

    [Fact]
    public void Should_EndBitIdenticalToAnUninterruptedRun_When_AFourEpochRunIsExtendedToSixWithResume()
    {
        // Given: a validation loss that only worsens, so the plateau schedule halves the rate in the third and fifth epochs,
        // the second time only if the count of bad epochs survived the resume
        using var folder = new TemporaryFolder();
        var protocol = Protocol with { ValidationSplit = 0.25, Seed = 5 };
        using var train = TinyRuns.Problem.MakeWithContradictingValidation(160, sampleSeed: 1, protocol.ValidationSplit, protocol.Seed);
        var spec = TinyRuns.Mlp();
        var uninterrupted = new RunDirectory(folder["uninterrupted"]);
        var extended = new RunDirectory(folder["extended"]);
        var expected = new Trainer(protocol, new CrossEntropyObjective()).Fit(spec, train, null, uninterrupted);
        new Trainer(protocol with { Epochs = 4 }, new CrossEntropyObjective()).Fit(spec, train, null, extended);

        // When
        var resumed = new Trainer(protocol, new CrossEntropyObjective()).Fit(spec, train, null, extended, resume: true);

        // Then
        ShouldMatch(resumed, extended, expected, uninterrupted);
        HistoryAssertions.ShouldOnlyWorsen(expected.History);
        resumed.History.Select(m => m.LearningRate).ShouldBe([0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025]);
    }

    [Fact]
    public void Should_RefuseToOverwrite_When_TheRunDirectoryHoldsARunAndResumeIsNotSet()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(60, sampleSeed: 1);
        var trainer = new Trainer(Protocol with { Epochs = 2, ValidationSplit = 0 }, new CrossEntropyObjective());
        var run = new RunDirectory(folder["run"]);
        trainer.Fit(TinyRuns.Mlp(), train, null, run);
        var metricsBefore = File.ReadAllBytes(run.MetricsFile);
        var weightsBefore = File.ReadAllBytes(run.BestWeightsFile);

        // When
        var refusal = Should.Throw<InvalidOperationException>(() => trainer.Fit(TinyRuns.Mlp(), train, null, run));

        // Then
        refusal.Message.ShouldContain(run.Path);
        refusal.Message.ShouldContain("--resume");
        File.ReadAllBytes(run.MetricsFile).ShouldBe(metricsBefore);
        File.ReadAllBytes(run.BestWeightsFile).ShouldBe(weightsBefore);
    }

    [Fact]
    public void Should_TrainNoFurtherEpochs_When_ResumingARunThatAlreadyReachedItsEpochs()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(60, sampleSeed: 1);
        var trainer = new Trainer(Protocol with { Epochs = 2 }, new CrossEntropyObjective());
        var run = new RunDirectory(folder["run"]);
        var finished = trainer.Fit(TinyRuns.Mlp(), train, null, run);
        var checkpointBefore = File.ReadAllBytes(run.CheckpointWeightsFile);

        // When
        var resumed = trainer.Fit(TinyRuns.Mlp(), train, null, run, resume: true);

        // Then
        resumed.Epochs.ShouldBe(2);
        HistoryAssertions.WithoutTiming(resumed.History).ShouldBe(HistoryAssertions.WithoutTiming(finished.History));
        File.ReadAllBytes(run.CheckpointWeightsFile).ShouldBe(checkpointBefore);
    }

    private static void ShouldMatch(TrainingResult actual, RunDirectory actualRun, TrainingResult expected, RunDirectory expectedRun)
    {
        RunFiles.ShouldHoldIdenticalTensors(actualRun.CheckpointWeightsFile, expectedRun.CheckpointWeightsFile);
        RunFiles.ShouldHoldIdenticalTensors(actualRun.CheckpointOptimizerFile, expectedRun.CheckpointOptimizerFile);
        RunFiles.ShouldHoldIdenticalTensors(actualRun.BestWeightsFile, expectedRun.BestWeightsFile);
        HistoryAssertions.WithoutTiming(actualRun.ReadMetrics()).ShouldBe(HistoryAssertions.WithoutTiming(expectedRun.ReadMetrics()));
        HistoryAssertions.WithoutTiming(actual.History).ShouldBe(HistoryAssertions.WithoutTiming(expected.History));
        actual.History.Count.ShouldBe(Epochs);
        actual.Epochs.ShouldBe(expected.Epochs);
        actual.BestEpoch.ShouldBe(expected.BestEpoch);
        actual.TestAccuracy.ShouldBe(expected.TestAccuracy);
        actual.StoppedEarly.ShouldBe(expected.StoppedEarly);
    }
}
