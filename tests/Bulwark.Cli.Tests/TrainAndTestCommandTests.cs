using Bulwark.TestKit;
namespace Bulwark.Cli.Tests;

/// <summary>
/// `bulwark train` on 2,000 MNIST images for one epoch, then `bulwark test` on its run directory. One training run
/// serves every test of the class (<see cref="TrainedRun"/>).
/// </summary>
public sealed class TrainAndTestCommandTests(TrainAndTestCommandTests.TrainedRun trained) : IClassFixture<TrainAndTestCommandTests.TrainedRun>
{
    [MnistInstalledFact]
    public void Should_PrintOneJsonObjectWithTheDocumentedKeys_When_TrainingWithJson()
    {
        // Given / When
        var run = trained.Train.Value;

        // Then: stdout is the JSON line alone (the progress and the summary went to stderr)
        run.ExitCode.ShouldBe(0, run.Stderr);
        run.StdoutLines.Length.ShouldBe(1, run.Stdout);
        var result = run.LastJson;
        result["test_accuracy"]!.GetValue<double>().ShouldBeInRange(0.3, 1.0, "one epoch on 2,000 images is well above chance (0.1)");
        result["epochs"]!.GetValue<int>().ShouldBe(1);
        var seconds = result["train_seconds"]!.GetValue<double>();
        seconds.ShouldBeGreaterThan(0);
        result["samples_per_second"]!.GetValue<double>().ShouldBe(2000 / seconds, tolerance: 1e-6 * 2000 / seconds);
        result["run_dir"]!.GetValue<string>().ShouldBe(trained.RunDirectory);
        File.Exists(Path.Combine(trained.RunDirectory, "best.safetensors")).ShouldBeTrue();
        File.ReadAllLines(Path.Combine(trained.RunDirectory, "metrics.jsonl")).Length.ShouldBe(1);
    }

    [MnistInstalledFact]
    public void Should_ReportTheAccuracyTrainReported_When_TestingTheRunWithJson()
    {
        // Given
        var trainAccuracy = trained.Train.Value.LastJson["test_accuracy"]!.GetValue<double>();

        // When
        var run = BulwarkProgram.Run("test", "--run", trained.RunDirectory, "--json");

        // Then
        run.ExitCode.ShouldBe(0, run.Stderr);
        run.StdoutLines.Length.ShouldBe(1, run.Stdout);
        run.LastJson["test_accuracy"]!.GetValue<double>().ShouldBe(trainAccuracy);
        run.LastJson["samples"]!.GetValue<int>().ShouldBe(10_000);
    }

    [MnistInstalledFact]
    public void Should_RefuseAndPointToResume_When_TrainingIntoAnExistingRunWithoutResume()
    {
        // Given
        trained.Train.Value.ExitCode.ShouldBe(0);
        var before = File.ReadAllBytes(Path.Combine(trained.RunDirectory, "checkpoint.json"));

        // When
        var run = BulwarkProgram.Run(trained.Arguments);

        // Then
        run.ShouldFailNaming("--resume", json: true);
        run.LastJson["error"]!.GetValue<string>().ShouldContain(trained.RunDirectory);
        File.ReadAllBytes(Path.Combine(trained.RunDirectory, "checkpoint.json")).ShouldBe(before);
    }

    /// <summary>Trains once, on first use, into a temporary run directory.</summary>
    public sealed class TrainedRun : IDisposable
    {
        private readonly TemporaryFolder folder = new();

        public TrainedRun() =>
            Train = new Lazy<ProgramRun>(() => BulwarkProgram.Run(Arguments));

        public string RunDirectory => folder["lenet5-2000"];

        public string[] Arguments =>
        [
            "train", "--model", "lenet5", "--dataset", "mnist", "--train-samples", "2000", "--epochs", "1",
            "--batch-size", "64", "--seed", "0", "--out", RunDirectory, "--json",
        ];

        public Lazy<ProgramRun> Train { get; }

        public void Dispose() => folder.Dispose();
    }
}
