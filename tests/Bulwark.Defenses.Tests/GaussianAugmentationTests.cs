using Bulwark.Data;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.TestKit;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// N-fold Gaussian noise augmentation in the trainer, seen from a recording objective that keeps every training batch:
/// each image is labelled with its row number, so a batch row tells which image it came from and its noise is the row
/// minus that clean image.
/// </summary>
public sealed class GaussianAugmentationTests
{
    private static readonly TrainerOptions Quick = new() { Epochs = 1, BatchSize = 4, LearningRate = 0.01, Seed = 9 };

    [Theory]
    [InlineData(false, 8)] // ceil(3 · 10 / 4)
    [InlineData(true, 7)] // floor(3 · 10 / 4)
    public void Should_MakeCeilOrFloorOfNPlusOneTimesNOverBSteps_When_AugmentingWithTwoFolds(bool dropLast, int expectedSteps)
    {
        // Given: 10 images, 2 folds, batches of 4
        using var folder = new TemporaryFolder();
        using var train = Numbered(10, sampleSeed: 1);
        var recorder = new RecordingObjective();
        var options = Quick with { DropLast = dropLast, Augmentation = new GaussianAugmentation { Folds = 2, Sigma = 0.1 } };
        var reportedBatches = new List<int>();

        // When
        var result = new Trainer(options, recorder).Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"]),
            progress: new SynchronousProgress(p => reportedBatches.Add(p.Batches)));

        // Then
        recorder.Batches.Count.ShouldBe(expectedSteps);
        reportedBatches.ShouldAllBe(count => count == expectedSteps);
        recorder.Batches.Take(expectedSteps - 1).ShouldAllBe(batch => batch.Length == 4);
        var samples = recorder.Batches.Sum(batch => batch.Length);
        samples.ShouldBe(dropLast ? 28 : 30);
        var epoch = result.History.ShouldHaveSingleItem();
        (epoch.SamplesPerSecond * epoch.Seconds).ShouldBe(samples, tolerance: 1e-6 * samples);
        if (!dropLast)
        {
            var clean = CleanImages(train);
            var rows = recorder.Batches.SelectMany(batch => batch).ToList();
            foreach (var group in rows.GroupBy(row => row.Label))
            {
                group.Count().ShouldBe(3, $"image {group.Key} must be seen once per fold");
                group.Count(row => row.Pixels.SequenceEqual(clean[group.Key])).ShouldBe(1, $"image {group.Key} must be seen clean exactly once");
            }

            rows.Select(row => row.Label).Distinct().Count().ShouldBe(10);
        }
    }

    [Fact]
    public void Should_AddIndependentNoiseOfMeanZeroAndStdSigma_When_TheNoiseIsNotShared()
    {
        // Given: 200 images, 2 folds, σ = 0.1, two epochs: 2 · 200 · 16 = 6400 noise values per epoch
        const double sigma = 0.1;
        using var folder = new TemporaryFolder();
        using var train = Numbered(200, sampleSeed: 2);
        var recorder = new RecordingObjective();
        var options = Quick with { Epochs = 2, BatchSize = 50, Augmentation = new GaussianAugmentation { Folds = 2, Sigma = sigma } };

        // When
        new Trainer(options, recorder).Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"]));

        // Then
        var clean = CleanImages(train);
        var firstEpoch = Noises(recorder.Batches.Take(12), clean);
        var secondEpoch = Noises(recorder.Batches.Skip(12), clean);
        var values = firstEpoch.SelectMany(pair => pair.Value.SelectMany(noise => noise)).ToList();
        values.Count.ShouldBe(6400);
        var mean = values.Average();
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        // Standard errors: σ/√6400 = 0.00125 for the mean, about σ/√12800 ≈ 0.0009 for the std; 4 of them.
        mean.ShouldBe(0, tolerance: 0.005);
        std.ShouldBe(sigma, tolerance: 0.004);
        firstEpoch[0][0].SequenceEqual(firstEpoch[1][0]).ShouldBeFalse("two images must get different noise");
        firstEpoch[0][0].SequenceEqual(firstEpoch[0][1]).ShouldBeFalse("two folds of an image must get different noise");
        firstEpoch[0].Any(noise => secondEpoch[0].Any(other => other.SequenceEqual(noise))).ShouldBeFalse("each epoch draws new noise");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_KeepEveryNoisyPixelInsideTheUnitBoxOnlyWhenClipping_When_SigmaIsLarge(bool clip)
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = Numbered(20, sampleSeed: 3);
        var recorder = new RecordingObjective();
        var options = Quick with { BatchSize = 20, Augmentation = new GaussianAugmentation { Folds = 2, Sigma = 1, Clip = clip } };

        // When
        new Trainer(options, recorder).Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"]));

        // Then
        var pixels = recorder.Batches.SelectMany(batch => batch).SelectMany(row => row.Pixels).ToList();
        var outside = pixels.Count(v => v is < 0 or > 1);
        if (clip)
        {
            outside.ShouldBe(0);
            pixels.Count(v => v is 0 or 1).ShouldBeGreaterThan(100, "σ = 1 must push many pixels onto the box's faces");
        }
        else
        {
            outside.ShouldBeGreaterThan(100);
        }
    }

    [Fact]
    public void Should_GiveEveryImageOfAFoldTheSameNoiseInEveryEpoch_When_TheNoiseIsShared()
    {
        // Given
        const double sigma = 0.1;
        using var folder = new TemporaryFolder();
        using var train = Numbered(12, sampleSeed: 4);
        var recorder = new RecordingObjective();
        var options = Quick with
        {
            Epochs = 2, BatchSize = 6, Augmentation = new GaussianAugmentation { Folds = 2, Sigma = sigma, SharedNoise = true },
        };

        // When
        new Trainer(options, recorder).Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"]));

        // Then: fold o's noise is σ·z with z drawn from a generator seeded with seed + o, as in the reference
        var clean = CleanImages(train);
        var foldNoise = Enumerable.Range(1, 2).Select(fold =>
        {
            using var generator = new Generator(options.Seed + (ulong)fold);
            using var z = Torch.Randn([16], generator);
            return z.ToArray<float>().Select(v => sigma * v).ToArray();
        }).ToList();
        foreach (var epochBatches in recorder.Batches.Chunk(6))
        {
            var noises = Noises(epochBatches, clean);
            noises.Count.ShouldBe(12);
            foreach (var (image, pair) in noises)
            {
                var matches = pair.Select(noise => foldNoise.FindIndex(expected => Close(noise, expected))).Order().ToList();
                matches.ShouldBe([0, 1], $"image {image} must get fold 1's noise once and fold 2's once");
            }
        }
    }

    [Fact]
    public void Should_WriteBitIdenticalWeights_When_TrainingTwiceWithTheSameSeedAndAugmentation()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(40, sampleSeed: 5);
        var options = Quick with { Epochs = 2, BatchSize = 16, Augmentation = new GaussianAugmentation { Folds = 2, Sigma = 0.2 } };
        var first = new RunDirectory(folder["first"]);
        var second = new RunDirectory(folder["second"]);
        var otherSigma = new RunDirectory(folder["other"]);

        // When
        new Trainer(options, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, first);
        new Trainer(options, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, second);
        new Trainer(options with { Augmentation = options.Augmentation! with { Sigma = 0.3 } }, new CrossEntropyObjective())
            .Fit(TinyRuns.Mlp(), train, null, otherSigma);

        // Then
        RunFiles.ShouldHoldIdenticalTensors(second.CheckpointWeightsFile, first.CheckpointWeightsFile);
        RunFiles.ShouldHoldIdenticalTensors(second.CheckpointOptimizerFile, first.CheckpointOptimizerFile);
        RunFiles.AnyTensorDiffers(first.CheckpointWeightsFile, otherSigma.CheckpointWeightsFile).ShouldBeTrue("σ must matter");
    }

    [Fact]
    public void Should_EndBitIdenticalToAnUninterruptedRun_When_AnAugmentedRunIsCancelledAfterOneEpochAndResumed()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(40, sampleSeed: 6);
        var options = Quick with { Epochs = 3, BatchSize = 16, Augmentation = new GaussianAugmentation { Folds = 2, Sigma = 0.2 } };
        var trainer = new Trainer(options, new CrossEntropyObjective());
        var uninterrupted = new RunDirectory(folder["uninterrupted"]);
        var interrupted = new RunDirectory(folder["interrupted"]);
        var expected = trainer.Fit(TinyRuns.Mlp(dropout: 0.2), train, null, uninterrupted);
        using var stop = new CancellationTokenSource();
        var stopAfterFirst = new SynchronousProgress(p =>
        {
            if (p.Epoch == 0 && p.Batch == p.Batches)
            {
                stop.Cancel();
            }
        });
        Should.Throw<OperationCanceledException>(() =>
            trainer.Fit(TinyRuns.Mlp(dropout: 0.2), train, null, interrupted, progress: stopAfterFirst, cancellation: stop.Token));
        interrupted.ReadMetrics().Count.ShouldBe(1);

        // When
        var resumed = trainer.Fit(TinyRuns.Mlp(dropout: 0.2), train, null, interrupted, resume: true);

        // Then
        RunFiles.ShouldHoldIdenticalTensors(interrupted.CheckpointWeightsFile, uninterrupted.CheckpointWeightsFile);
        RunFiles.ShouldHoldIdenticalTensors(interrupted.CheckpointOptimizerFile, uninterrupted.CheckpointOptimizerFile);
        HistoryAssertions.WithoutTiming(resumed.History).ShouldBe(HistoryAssertions.WithoutTiming(expected.History));
    }

    [Fact]
    public void Should_FreeEveryTensorItMakes_When_FittingWithSharedNoiseAndAValidationSet()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(40, sampleSeed: 7);
        var options = Quick with
        {
            Epochs = 2, BatchSize = 16, ValidationSplit = 0.25,
            Augmentation = new GaussianAugmentation { Folds = 1, Sigma = 0.2, SharedNoise = true, Clip = true },
        };

        // When / Then
        LeakGuard.Check(() => new Trainer(options, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"])));
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(2, -0.1)]
    [InlineData(2, double.NaN)]
    public void Should_RefuseBeforeCreatingTheRunDirectory_When_TheAugmentationIsInvalid(int folds, double sigma)
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(20, sampleSeed: 8);
        var options = Quick with { Augmentation = new GaussianAugmentation { Folds = folds, Sigma = sigma } };

        // When / Then
        Should.Throw<ArgumentOutOfRangeException>(() =>
            new Trainer(options, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"])));
        Directory.Exists(folder["run"]).ShouldBeFalse();
    }

    /// <summary>Separable images whose label is their row number, so that a recorded row names its image.</summary>
    private static TensorDataset Numbered(int count, int sampleSeed)
    {
        using var separable = TinyRuns.Problem.Make(count, sampleSeed);
        using var all = separable.All();
        using var rowNumbers = Torch.Arange(count);
        return new TensorDataset(all.Images, rowNumbers, $"numbered-{sampleSeed}", [.. Enumerable.Range(0, count).Select(row => $"image {row}")]);
    }

    private static float[][] CleanImages(TensorDataset data)
    {
        using var all = data.All();
        var pixels = all.Images.ToArray<float>();
        return [.. pixels.Chunk(SeparableData.Side * SeparableData.Side)];
    }

    /// <summary>For each image, the noise (row − clean image) of each of its noisy rows in <paramref name="batches"/>.</summary>
    private static Dictionary<long, List<float[]>> Noises(IEnumerable<Row[]> batches, float[][] clean)
    {
        var noises = new Dictionary<long, List<float[]>>();
        foreach (var row in batches.SelectMany(batch => batch))
        {
            var image = clean[row.Label];
            if (row.Pixels.SequenceEqual(image))
            {
                continue;
            }

            if (!noises.TryGetValue(row.Label, out var list))
            {
                noises[row.Label] = list = [];
            }

            list.Add([.. row.Pixels.Zip(image, (noisy, x) => noisy - x)]);
        }

        return noises;
    }

    private static bool Close(float[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max() < 1e-5;

    private sealed record Row(long Label, float[] Pixels);

    /// <summary>Keeps every training batch's rows; its loss, the mean squared logit, uses no label.</summary>
    private sealed class RecordingObjective : ITrainingObjective
    {
        public List<Row[]> Batches { get; } = [];

        public string Name => "recording";

        public ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels)
        {
            if (model.Training)
            {
                var pixels = inputs.ToArray<float>().Chunk(SeparableData.Side * SeparableData.Side).ToArray();
                Batches.Add([.. labels.ToArray<long>().Select((label, i) => new Row(label, pixels[i]))]);
            }

            var logits = model.Forward(inputs);
            using var squared = logits.Square();
            return new ObjectiveResult(squared.Mean(), logits);
        }
    }
}
