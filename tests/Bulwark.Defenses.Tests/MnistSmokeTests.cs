using Bulwark.TestKit;
using System.Diagnostics;
using Bulwark.Data;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.Torch.Models;
using Xunit.Abstractions;

namespace Bulwark.Defenses.Tests;

public sealed class MnistSmokeTests(ITestOutputHelper output)
{
    [MnistInstalledFact]
    public void Should_ExceedNinetyPercentTestAccuracy_When_TrainingLeNet5ForThreeHundredStepsOnMnist()
    {
        // Given: 20,000 training images in batches of 64 (313 Adam steps), the first 2,000 test images
        var dataDir = DataDirectory.Resolve(null);
        using var train = DatasetCatalog.Load("mnist", dataDir, train: true, limit: 20_000);
        using var test = DatasetCatalog.Load("mnist", dataDir, train: false, limit: 2_000);
        var spec = new ModelSpec { Architecture = "lenet5" };
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = 64, LearningRate = 1e-3, Seed = 0 }, new CrossEntropyObjective());
        using var folder = new TemporaryFolder();
        var clock = Stopwatch.StartNew();

        // When
        var result = trainer.Fit(spec, train, test, new RunDirectory(folder["run"]));

        // Then
        output.WriteLine($"test accuracy {result.TestAccuracy:P2} after {clock.Elapsed.TotalSeconds:F1} s ({result.SamplesPerSecond:F0} img/s)");
        result.TestAccuracy!.Value.ShouldBeGreaterThan(0.90);
    }
}
