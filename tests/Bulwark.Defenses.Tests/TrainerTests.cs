using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.TestKit;

namespace Bulwark.Defenses.Tests;

public sealed class TrainerTests
{
    private static readonly TrainerOptions Quick = new() { Epochs = 5, BatchSize = 24, LearningRate = 0.01, Seed = 3 };

    [Fact]
    public void Should_ClassifyEveryTrainingAndTestPoint_When_TrainingAnMlpOnLinearlySeparableData()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(480, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(120, sampleSeed: 2);
        var trainer = new Trainer(Quick with { Epochs = 30, BatchSize = 48 }, new CrossEntropyObjective());

        // When
        var result = trainer.Fit(TinyRuns.Mlp(), train, test, new RunDirectory(folder["run"]));

        // Then
        result.TestAccuracy.ShouldBe(1.0);
        using var best = new RunDirectory(folder["run"]).LoadBestModel();
        Trainer.Accuracy(best, train).ShouldBe(1.0);
        result.History[^1].TrainLoss.ShouldBeLessThan(result.History[0].TrainLoss / 4);
    }

    [Fact]
    public void Should_WriteBitIdenticalWeights_When_TrainingTwiceWithTheSameSeed()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        var trainer = new Trainer(Quick with { ValidationSplit = 0.2 }, new CrossEntropyObjective());
        var first = new RunDirectory(folder["first"]);
        var second = new RunDirectory(folder["second"]);

        // When
        trainer.Fit(TinyRuns.Mlp(dropout: 0.2), train, null, first);
        trainer.Fit(TinyRuns.Mlp(dropout: 0.2), train, null, second);

        // Then
        RunFiles.ShouldHoldIdenticalTensors(second.BestWeightsFile, first.BestWeightsFile);
        RunFiles.ShouldHoldIdenticalTensors(second.CheckpointWeightsFile, first.CheckpointWeightsFile);
        RunFiles.ShouldHoldIdenticalTensors(second.CheckpointOptimizerFile, first.CheckpointOptimizerFile);
    }

    [Fact]
    public void Should_WriteDifferentWeights_When_TheSeedDiffers()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        var seedThree = new RunDirectory(folder["seed3"]);
        var seedFour = new RunDirectory(folder["seed4"]);

        // When
        new Trainer(Quick with { Seed = 3 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, seedThree);
        new Trainer(Quick with { Seed = 4 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, seedFour);

        // Then
        RunFiles.AnyTensorDiffers(seedThree.BestWeightsFile, seedFour.BestWeightsFile).ShouldBeTrue();
    }

    [Fact]
    public void Should_FreeEveryTensorItMakes_When_FittingWithValidationAndTestSets()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(120, sampleSeed: 1);
        using var test = TinyRuns.Problem.Make(60, sampleSeed: 2);
        var trainer = new Trainer(Quick with { Epochs = 2, ValidationSplit = 0.2, PlateauFactor = 0.5 }, new InputGradientRegularizer(0.01));

        // When / Then
        LeakGuard.Check(() => trainer.Fit(TinyRuns.Mlp(), train, test, new RunDirectory(folder["run"])));
    }

    [Fact]
    public void Should_RefuseBeforeCreatingTheRunDirectory_When_TheArchitectureIsUnknown()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(40, sampleSeed: 1);
        var spec = TinyRuns.Mlp() with { Architecture = "no-such-net" };

        // When
        var error = Should.Throw<ArgumentException>(() =>
            new Trainer(Quick, new CrossEntropyObjective()).Fit(spec, train, null, new RunDirectory(folder["run"])));

        // Then
        error.Message.ShouldContain("no-such-net");
        Directory.Exists(folder["run"]).ShouldBeFalse();
    }
}
