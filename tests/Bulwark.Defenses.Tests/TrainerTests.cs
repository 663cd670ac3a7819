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

    [Fact]
    public void Should_DecayOnlyTheHiddenLayersWeights_When_WeightDecayIsOnHiddenWeights()
    {
        // Given: one plain SGD step on the whole set, with and without weight decay λ on the hidden weights
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(48, sampleSeed: 1);
        var spec = TinyRuns.Mlp() with { Widths = [16, 8] };
        var step = Quick with { Epochs = 1, BatchSize = 48, Optimizer = "sgd", LearningRate = 0.1 };
        const double lambda = 0.5;
        var decayed = new RunDirectory(folder["decayed"]);
        var plain = new RunDirectory(folder["plain"]);
        Torch.Torch.ManualSeed(step.Seed);
        using var initial = Torch.Models.ModelZoo.Create(spec);

        // When
        new Trainer(step with { WeightDecay = lambda, WeightDecayOn = "hidden-weights" }, new CrossEntropyObjective()).Fit(spec, train, null, decayed);
        new Trainer(step, new CrossEntropyObjective()).Fit(spec, train, null, plain);

        // Then: SGD's decayed step differs from the plain one by η·λ·θ₀ exactly where θ is a hidden layer's weight
        using var withDecay = Torch.Models.ModelZoo.Create(spec);
        using var without = Torch.Models.ModelZoo.Create(spec);
        RunDirectory.LoadWeights(decayed.CheckpointWeightsFile, withDecay);
        RunDirectory.LoadWeights(plain.CheckpointWeightsFile, without);
        var hidden = new[] { "1.weight", "3.weight" };
        foreach (var ((name, start), (a, b)) in initial.NamedParameters().Zip(without.Parameters().Zip(withDecay.Parameters())))
        {
            var expected = hidden.Contains(name) ? step.LearningRate * lambda : 0;
            var starts = start.ToArray<float>();
            var differences = a.Sub(b).ToArray<float>();
            for (var i = 0; i < starts.Length; i++)
            {
                ((double)differences[i]).ShouldBe(expected * starts[i], tolerance: 1e-6, $"{name}[{i}]");
            }
        }
    }

    [Fact]
    public void Should_TakeAdamsStepWithTheGivenEpsilon_When_AnEpsilonIsSet()
    {
        // Given: one step on the whole set; plain SGD gives the gradient g = −Δθ/η
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(48, sampleSeed: 1);
        var step = Quick with { Epochs = 1, BatchSize = 48, LearningRate = 0.1 };
        const double epsilon = 0.05;
        Torch.Torch.ManualSeed(step.Seed);
        using var initial = Torch.Models.ModelZoo.Create(TinyRuns.Mlp());
        var sgd = new RunDirectory(folder["sgd"]);
        var adam = new RunDirectory(folder["adam"]);

        // When
        new Trainer(step with { Optimizer = "sgd" }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, sgd);
        new Trainer(step with { Epsilon = epsilon }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, adam);

        // Then: Adam's first step is −η·g/(|g| + ε), bias corrections cancelling
        using var afterSgd = Torch.Models.ModelZoo.Create(TinyRuns.Mlp());
        using var afterAdam = Torch.Models.ModelZoo.Create(TinyRuns.Mlp());
        RunDirectory.LoadWeights(sgd.CheckpointWeightsFile, afterSgd);
        RunDirectory.LoadWeights(adam.CheckpointWeightsFile, afterAdam);
        var checkedAny = false;
        foreach (var (start, (s, a)) in initial.Parameters().Zip(afterSgd.Parameters().Zip(afterAdam.Parameters())))
        {
            var starts = start.ToArray<float>();
            var (sgdValues, adamValues) = (s.ToArray<float>(), a.ToArray<float>());
            for (var i = 0; i < starts.Length; i++)
            {
                var gradient = (starts[i] - (double)sgdValues[i]) / step.LearningRate;
                var expected = -step.LearningRate * gradient / (Math.Abs(gradient) + epsilon);
                ((double)adamValues[i] - starts[i]).ShouldBe(expected, tolerance: 2e-6);
                checkedAny |= Math.Abs(gradient) is > 0.01 and < 1;
            }
        }

        checkedAny.ShouldBeTrue("some gradient must be comparable to ε, or ε would not show");
    }

    [Theory]
    [InlineData("scope", "biases")]
    [InlineData("sgd-epsilon", "sgd")]
    public void Should_RefuseBeforeCreatingTheRunDirectory_When_AnOptimizerSettingDoesNotApply(string setting, string named)
    {
        // Given: an unknown weight-decay scope, or an ε given to an optimizer that has none
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(40, sampleSeed: 1);
        var options = setting == "scope"
            ? Quick with { WeightDecay = 1e-3, WeightDecayOn = "biases" }
            : Quick with { Optimizer = "sgd", Epsilon = 1e-4 };

        // When
        var error = Should.Throw<ArgumentException>(() =>
            new Trainer(options, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, new RunDirectory(folder["run"])));

        // Then
        error.Message.ShouldContain(named);
        Directory.Exists(folder["run"]).ShouldBeFalse();
    }
}
