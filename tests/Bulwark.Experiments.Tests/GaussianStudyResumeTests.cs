using Bulwark.Defenses.Tests;
using Bulwark.Defenses.Training;
using Bulwark.TestKit;

namespace Bulwark.Experiments.Tests;

public sealed class GaussianStudyResumeTests
{
    // A tiny study: the MLP on 4×4 separable points, one σ, one α, one fold count: baseline, regularizer, augmentation.
    private static readonly GaussianStudyOptions Study = new()
    {
        Model = TinyRuns.Mlp(),
        Protocol = new TrainerOptions
        {
            Epochs = 3,
            BatchSize = 20,
            LearningRate = 0.01,
            Seed = 5,
            ValidationSplit = 0.2,
            PlateauFactor = 0.5,
            PlateauPatience = 1,
        },
        Dataset = "separable",
        Sigmas = [0.5],
        Alphas = [1],
        AugmentationFolds = [1],
    };

    [Fact]
    public void Should_EndBitIdenticalToAnUninterruptedStudy_When_KilledInTheSecondRunAndStartedAgain()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(150, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(60, sampleSeed: 2);
        var expected = GaussianStudy.Run(Study, train, test, folder["uninterrupted"]);
        using var stop = new CancellationTokenSource();
        var killer = new Observer(cancelIn: 1, stop);
        Should.Throw<OperationCanceledException>(() => GaussianStudy.Run(Study, train, test, folder["interrupted"], killer, stop.Token));
        killer.Started.ShouldBe([(0, false), (1, false)]);
        new RunDirectory(Path.Combine(folder["interrupted"], expected.Grid[1].Name)).ReadMetrics().Count.ShouldBe(1);

        // When
        var again = new Observer(cancelIn: -1, null);
        var resumed = GaussianStudy.Run(Study, train, test, folder["interrupted"], again);

        // Then: the finished run is reused, the interrupted one continues from its checkpoint, the rest are trained
        again.Started.ShouldBe([(1, true), (2, false)]);
        again.Reused.ShouldBe([0]);
        resumed.Complete.ShouldBeTrue();
        resumed.Runs.Select(r => r.Run).ShouldBe(expected.Runs.Select(r => r.Run));
        resumed.Runs.Select(r => r.TestAccuracy).ShouldBe(expected.Runs.Select(r => r.TestAccuracy));
        resumed.Runs.Select(r => r.Gnr).ShouldBe(expected.Runs.Select(r => r.Gnr));
        resumed.Runs.Select(r => r.Robustness.Agreement).ShouldBe(expected.Runs.Select(r => r.Robustness.Agreement));
        resumed.Runs.Select(r => (r.Epochs, r.BestEpoch)).ShouldBe(expected.Runs.Select(r => (r.Epochs, r.BestEpoch)));
        resumed.Comparison.ShouldNotBeNull();
        resumed.Comparison.Entries.Select(e => e.Best?.Run).ShouldBe(expected.Comparison!.Entries.Select(e => e.Best?.Run));
        GaussianStudyReport.Read(Path.Combine(folder["interrupted"], GaussianStudy.JsonFileName)).Runs.Select(r => r.Gnr)
            .ShouldBe(expected.Runs.Select(r => r.Gnr));

        // And a wider grid in the same directory trains only its new points
        var extender = new Observer(cancelIn: -1, null);
        var extended = GaussianStudy.Run(Study with { Alphas = [1, 2] }, train, test, folder["interrupted"], extender);
        extender.Started.Select(s => extended.Grid[s.Index]).ShouldBe([StudyRun.Regularizer(0.5, 2)]);
        extended.Runs.Count.ShouldBe(4);
    }

    [Fact]
    public void Should_RefuseNamingTheSetting_When_TheDirectoryHoldsAStudyWithAnotherSeed()
    {
        // Given: a study killed in its first run, so only study.json and a checkpoint exist
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(60, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(20, sampleSeed: 2);
        using var stop = new CancellationTokenSource();
        Should.Throw<OperationCanceledException>(() => GaussianStudy.Run(Study, train, test, folder.Path, new Observer(cancelIn: 0, stop), stop.Token));

        // When
        var error = Should.Throw<InvalidOperationException>(() =>
            GaussianStudy.Run(Study with { Protocol = Study.Protocol with { Seed = 6 } }, train, test, folder.Path));

        // Then
        error.Message.ShouldContain("protocol");
        error.Message.ShouldNotContain("model");
    }

    /// <summary>Records the runs it sees; cancels when run <c>cancelIn</c> finishes its first epoch.</summary>
    private sealed class Observer(int cancelIn, CancellationTokenSource? stop) : IStudyObserver
    {
        public List<(int Index, bool Resuming)> Started { get; } = [];

        public List<int> Reused { get; } = [];

        private int current = -1;

        public void RunStarting(StudyRun run, int index, int count, bool resuming)
        {
            Started.Add((index, resuming));
            current = index;
        }

        public TrainingResult Train(StudyRun run, Func<IProgress<TrainingProgress>?, TrainingResult> fit) =>
            fit(new SynchronousProgress(p =>
            {
                if (current == cancelIn && p.Epoch == 0 && p.Batch == p.Batches)
                {
                    stop!.Cancel();
                }
            }));

        public void RunFinished(StudyRunResult result, int index, int count, bool reused)
        {
            if (reused)
            {
                Reused.Add(index);
            }
        }
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
