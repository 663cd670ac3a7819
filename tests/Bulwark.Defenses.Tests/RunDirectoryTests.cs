using Bulwark.TestKit;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.Torch.Models;
using Bulwark.Torch.Serialization;

namespace Bulwark.Defenses.Tests;

public sealed class RunDirectoryTests
{
    private static readonly TrainerOptions Options = new()
    {
        Epochs = 3,
        BatchSize = 20,
        LearningRate = 0.01,
        Seed = 2,
        ValidationSplit = 0.2,
        PlateauFactor = 0.5,
        EarlyStoppingPatience = 5,
    };

    private static readonly string[] MetricKeys =
        ["epoch", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy", "learning_rate", "seconds", "samples_per_second", "best"];

    [Fact]
    public void Should_RefuseASecondTrainerAndWriteNothing_When_TheRunIsHeld()
    {
        // Given: a run held by another trainer (the same lock another process would take)
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(100, sampleSeed: 1);
        var spec = TinyRuns.Mlp();
        var run = new RunDirectory(folder["run"]);
        var held = run.Lock();

        // When
        var error = Should.Throw<InvalidOperationException>(() => new Trainer(Options, new CrossEntropyObjective()).Fit(spec, train, null, run));

        // Then: a clear error, and the run's folder holds only the lock
        error.Message.ShouldContain("being trained by another process");
        Directory.GetFiles(run.Path).Select(Path.GetFileName).ShouldBe([".lock"]);

        // And when the holder lets go, training proceeds and leaves no lock behind
        held.Dispose();
        new Trainer(Options, new CrossEntropyObjective()).Fit(spec, train, null, run);
        run.HasCheckpoint.ShouldBeTrue();
        File.Exists(Path.Combine(run.Path, ".lock")).ShouldBeFalse();
    }

    [Fact]
    public void Should_HoldConfigSpecMetricsBestWeightsAndCheckpointOnly_When_ARunFinishes()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(100, sampleSeed: 1);
        var spec = TinyRuns.Mlp();
        var run = new RunDirectory(folder["run"]);

        // When
        new Trainer(Options, new CrossEntropyObjective()).Fit(spec, train, null, run);

        // Then: exactly these files, no temporary file left behind by the atomic writes
        Directory.GetFiles(run.Path).Select(Path.GetFileName).Order().ShouldBe(
            ["best.safetensors", "checkpoint.json", "checkpoint.safetensors", "config.json", "metrics.jsonl", "model.json", "optimizer.safetensors"]);
        run.ReadModelSpec().ToJson().ShouldBe(spec.ToJson());
        var config = JsonNode.Parse(File.ReadAllText(run.ConfigFile))!;
        config["dataset"]!.GetValue<string>().ShouldBe(train.Name);
        config["options"].Deserialize<TrainerOptions>().ShouldBe(Options);
        SafeTensors.ReadHeader(run.BestWeightsFile).Metadata["bulwark.model"].ShouldBe(spec.ToJson());
        JsonNode.Parse(File.ReadAllText(run.CheckpointStateFile))!["Epoch"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public void Should_RecordTheCatalogName_When_TheOptionsNameTheDataset()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(100, sampleSeed: 1);
        var run = new RunDirectory(folder["run"]);

        // When
        new Trainer(Options with { Epochs = 1, Dataset = "separable" }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, run);

        // Then: the name a later evaluation loads the data by, not the display name
        JsonNode.Parse(File.ReadAllText(run.ConfigFile))!["dataset"]!.GetValue<string>().ShouldBe("separable");
    }

    [Fact]
    public void Should_WriteOneJsonObjectPerEpochWithTheDocumentedKeys_When_ARunFinishes()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(100, sampleSeed: 1);
        var run = new RunDirectory(folder["run"]);

        // When
        new Trainer(Options, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, run);

        // Then
        var lines = File.ReadAllLines(run.MetricsFile);
        lines.Length.ShouldBe(3);
        for (var epoch = 0; epoch < lines.Length; epoch++)
        {
            var metrics = JsonNode.Parse(lines[epoch])!.AsObject();
            metrics.Select(p => p.Key).Order().ShouldBe(MetricKeys.Order());
            metrics["epoch"]!.GetValue<int>().ShouldBe(epoch);
            metrics["train_accuracy"]!.GetValue<double>().ShouldBeInRange(0, 1);
            metrics["validation_accuracy"]!.GetValue<double>().ShouldBeInRange(0, 1);
            metrics["train_loss"]!.GetValue<double>().ShouldBeGreaterThan(0);
            metrics["validation_loss"]!.GetValue<double>().ShouldBeGreaterThan(0);
            metrics["learning_rate"]!.GetValue<double>().ShouldBe(Options.LearningRate);
            metrics["seconds"]!.GetValue<double>().ShouldBeGreaterThan(0);
            metrics["samples_per_second"]!.GetValue<double>().ShouldBe(80 / metrics["seconds"]!.GetValue<double>(), tolerance: 1e-6);
        }
    }

    [Theory]
    [InlineData("checkpoint.json")]
    [InlineData("checkpoint.safetensors")]
    [InlineData("optimizer.safetensors")]
    [InlineData("metrics.jsonl")]
    public void Should_NameTheFile_When_ResumingFromATruncatedCheckpointFile(string name)
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(100, sampleSeed: 1);
        var trainer = new Trainer(Options with { Epochs = 2 }, new CrossEntropyObjective());
        var run = new RunDirectory(folder["run"]);
        trainer.Fit(TinyRuns.Mlp(), train, null, run);
        var file = Path.Combine(run.Path, name);
        Truncate(file);

        // When
        var error = Should.Throw<InvalidDataException>(() =>
            new Trainer(Options with { Epochs = 4 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, run, resume: true));

        // Then
        error.Message.ShouldContain(file);
    }

    [Fact]
    public void Should_NameTheFile_When_TheBestWeightsAreTruncated()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(100, sampleSeed: 1);
        var run = new RunDirectory(folder["run"]);
        new Trainer(Options with { Epochs = 1 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, run);
        Truncate(run.BestWeightsFile);

        // When
        var error = Should.Throw<InvalidDataException>(() => run.LoadBestModel().Dispose());

        // Then
        error.Message.ShouldContain(run.BestWeightsFile);
    }

    [Fact]
    public void Should_NameTheFile_When_TheModelSpecIsNotJson()
    {
        // Given
        using var folder = new TemporaryFolder();
        var run = new RunDirectory(folder["run"]);
        run.Create();
        File.WriteAllText(run.ModelSpecFile, "{\"architecture\": \"mlp\", \"widths\": [16");

        // When
        var error = Should.Throw<InvalidDataException>(() => run.LoadBestModel().Dispose());

        // Then
        error.Message.ShouldContain(run.ModelSpecFile);
    }

    [Fact]
    public void Should_GiveBackTheSavedOutputs_When_LoadingTheBestModel()
    {
        // Given
        using var folder = new TemporaryFolder();
        using var train = TinyRuns.Problem.Make(100, sampleSeed: 1);
        var run = new RunDirectory(folder["run"]);
        new Trainer(Options with { Epochs = 1, ValidationSplit = 0 }, new CrossEntropyObjective()).Fit(TinyRuns.Mlp(), train, null, run);
        using var trained = ModelZoo.Create(TinyRuns.Mlp());
        RunDirectory.LoadWeights(run.CheckpointWeightsFile, trained);
        using var batch = train.All();

        // When
        using var loaded = run.LoadBestModel();

        // Then: with no validation set, the one epoch is the best, so best and checkpoint hold the same model
        using var expected = trained.Forward(batch.Images);
        using var actual = loaded.Forward(batch.Images);
        actual.ToArray<float>().ShouldBe(expected.ToArray<float>());
    }

    /// <summary>Keeps the first half of the file, cut inside a line (a cut just after a newline would leave whole JSON lines).</summary>
    private static void Truncate(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var cut = bytes.Length / 2;
        while (bytes[cut - 1] == (byte)'\n')
        {
            cut--;
        }

        File.WriteAllBytes(file, bytes[..cut]);
    }
}
