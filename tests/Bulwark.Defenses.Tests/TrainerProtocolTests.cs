using Bulwark.TestKit;
using Bulwark.Data;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.Torch.Models;

namespace Bulwark.Defenses.Tests;

/// <summary>
/// The papers' protocol (shared spec METHODS.md): validation split, learning-rate decay on plateau, early stopping
/// (ties count as improvement), best-validation weights. The runs are built so that the validation loss gets worse
/// every epoch: the held-out rows carry contradicting labels.
/// </summary>
public sealed class TrainerProtocolTests
{
    private const double Split = 0.25;
    private const ulong Seed = 5;

    private static readonly TrainerOptions Protocol = new()
    {
        Epochs = 12,
        BatchSize = 20,
        LearningRate = 0.01,
        Seed = Seed,
        ValidationSplit = Split,
    };

    [Fact]
    public void Should_StopAfterPatienceEpochsWithoutImprovement_When_ValidationLossOnlyWorsens()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.MakeWithContradictingValidation(160, sampleSeed: 1, Split, Seed);
        var trainer = new Trainer(Protocol with { EarlyStoppingPatience = 3 }, new CrossEntropyObjective());

        // When
        var result = trainer.Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"]));

        // Then: the best epoch is the first, and three bad ones follow it
        HistoryAssertions.ShouldOnlyWorsen(result.History);
        result.Epochs.ShouldBe(4);
        result.StoppedEarly.ShouldBeTrue();
        result.BestEpoch.ShouldBe(0);
        result.History.Select(m => m.IsBest).ShouldBe([true, false, false, false]);
        new RunDirectory(folder["run"]).ReadMetrics().Count.ShouldBe(4);
    }

    [Fact]
    public void Should_TrainNoFurther_When_ResumingARunThatStoppedEarly()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.MakeWithContradictingValidation(160, sampleSeed: 1, Split, Seed);
        var trainer = new Trainer(Protocol with { EarlyStoppingPatience = 2 }, new CrossEntropyObjective());
        var run = new RunDirectory(folder["run"]);
        trainer.Fit(TinyRuns.Mlp(), train, null, run).Epochs.ShouldBe(3);

        // When
        var resumed = trainer.Fit(TinyRuns.Mlp(), train, null, run, resume: true);

        // Then
        resumed.Epochs.ShouldBe(3);
        resumed.StoppedEarly.ShouldBeTrue();
        run.ReadMetrics().Count.ShouldBe(3);
    }

    [Fact]
    public void Should_RunEveryEpoch_When_TheValidationLossTiesItsBest()
    {
        // Given: a zero learning rate leaves the weights, and so the validation loss, exactly as they were
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(80, sampleSeed: 1);
        var trainer = new Trainer(Protocol with { Epochs = 5, LearningRate = 0, EarlyStoppingPatience = 2 }, new CrossEntropyObjective());

        // When
        var result = trainer.Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"]));

        // Then
        result.History.Select(m => m.ValidationLoss).Distinct().Count().ShouldBe(1);
        result.Epochs.ShouldBe(5);
        result.StoppedEarly.ShouldBeFalse();
        result.History.ShouldAllBe(m => m.IsBest);
    }

    [Fact]
    public void Should_HalveTheLearningRateAfterEachPatiencePlusOneBadEpochs_When_ReduceOnPlateauIsOn()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.MakeWithContradictingValidation(160, sampleSeed: 1, Split, Seed);
        var trainer = new Trainer(Protocol with { Epochs = 7, PlateauFactor = 0.5, PlateauPatience = 1 }, new CrossEntropyObjective());

        // When
        var result = trainer.Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"]));

        // Then: PyTorch's rule — more than `patience` bad epochs in a row cut the rate, and the count starts again
        HistoryAssertions.ShouldOnlyWorsen(result.History);
        result.History.Select(m => m.LearningRate).ShouldBe([0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025, 0.00125]);
    }

    [Fact]
    public void Should_KeepTheFirstEpochsWeightsAsBest_When_LaterEpochsValidateWorse()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.MakeWithContradictingValidation(160, sampleSeed: 1, Split, Seed);
        using var test = TinyRuns.Problem.Make(60, sampleSeed: 2);
        var oneEpoch = new RunDirectory(folder["one"]);
        var fourEpochs = new RunDirectory(folder["four"]);
        new Trainer(Protocol with { Epochs = 1 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, oneEpoch);

        // When
        var result = new Trainer(Protocol with { Epochs = 4 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, test, fourEpochs);

        // Then: best.safetensors holds the weights after the first epoch, and the test accuracy is theirs
        HistoryAssertions.ShouldOnlyWorsen(result.History);
        RunFiles.ShouldHoldIdenticalTensors(fourEpochs.BestWeightsFile, oneEpoch.CheckpointWeightsFile);
        RunFiles.AnyTensorDiffers(fourEpochs.CheckpointWeightsFile, oneEpoch.CheckpointWeightsFile).ShouldBeTrue();
        using var afterFirstEpoch = ModelZoo.Create(TinyRuns.Mlp());
        RunDirectory.LoadWeights(oneEpoch.CheckpointWeightsFile, afterFirstEpoch);
        result.TestAccuracy.ShouldBe(Trainer.Accuracy(afterFirstEpoch, test));
    }

    [Fact]
    public void Should_StopAfterTheEpochAndSayTheLossWasNaN_When_TheLossDivergesFromTheStart()
    {
        // Given: one pixel is NaN, so the first batch that holds it turns the loss, and through Adam every weight, into NaN
        using var folder = new TemporaryFolder();
        using var clean = TinyRuns.Problem.Make(60, sampleSeed: 1);
        using var batch = clean.All();
        var pixels = batch.Images.ToArray<float>();
        pixels[5] = float.NaN;
        using var images = Torch.Torch.FromArray(pixels, batch.Images.Shape);
        using var train = new TensorDataset(images, batch.Labels);
        var run = new RunDirectory(folder["run"]);

        // When
        var error = Should.Throw<InvalidOperationException>(() =>
            new Trainer(Protocol with { Epochs = 5 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, run));

        // Then: one epoch recorded, with its NaN loss, and a message that says what happened
        error.Message.ShouldContain("NaN");
        var history = run.ReadMetrics();
        history.Count.ShouldBe(1);
        double.IsNaN(history[0].TrainLoss).ShouldBeTrue();
    }
}
