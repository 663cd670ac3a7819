using Bulwark.TestKit;
using Bulwark.Torch.Models;

namespace Bulwark.Cli.Tests;

/// <summary>Failures a user can cause: exit code 1 and one line that names the problem, never a stack trace.</summary>
public sealed class CliErrorTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_NameTheModelAndListTheKnownOnes_When_TrainingAnUnknownModel(bool json)
    {
        // Given: no data is read before the model name is checked, so an empty data directory is enough
        using var folder = new TemporaryFolder();
        string[] args = ["train", "--model", "no-such-net", "--data-dir", folder["data"], "--out", folder["run"]];

        // When
        var run = BulwarkProgram.Run(json ? [.. args, "--json"] : args);

        // Then
        run.ShouldFailNaming("unknown model 'no-such-net'", json);
        run.StderrLines[^1].ShouldContain(string.Join(", ", ModelZoo.Names));
        run.StderrLines[^1].ShouldNotContain("(Parameter");
        Directory.Exists(folder["run"]).ShouldBeFalse();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_NameTheFolder_When_TestingARunDirectoryThatDoesNotExist(bool json)
    {
        // Given
        using var folder = new TemporaryFolder();
        var missing = folder["no-such-run"];

        // When
        var run = BulwarkProgram.Run(json ? ["test", "--run", missing, "--json"] : ["test", "--run", missing]);

        // Then
        run.ShouldFailNaming(missing, json);
    }

    [Theory]
    [InlineData("best.safetensors", "truncated")]
    [InlineData("best.safetensors", "garbage")]
    [InlineData("model.json", "garbage")]
    public void Should_NameTheFile_When_TestingARunWhoseModelFileIsCorrupt(string file, string damage)
    {
        // Given: a run directory as `bulwark train` leaves it, then one of its model files damaged
        using var folder = new TemporaryFolder();
        var runDir = WriteRun(folder["run"]);
        var path = Path.Combine(runDir, file);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, damage == "truncated" ? bytes[..(bytes.Length / 2)] : "not a model at all\n"u8.ToArray());

        // When
        var run = BulwarkProgram.Run("test", "--run", runDir, "--json");

        // Then
        run.ShouldFailNaming(path, json: true);
    }

    [Theory]
    [InlineData("bulwark train", "--resume")]
    [InlineData("bulwark reproduce", "run the same command again")]
    [InlineData("bulwark study gaussian", "run the same command again")]
    public void Should_SayHowToContinue_When_AResumableCommandIsInterrupted(string command, string how)
    {
        // When
        var message = CliRunner.Describe(new OperationCanceledException(), command);

        // Then: only train has a --resume option; the others continue when run again, and an attack starts over
        message.ShouldContain(how);
        CliRunner.Describe(new OperationCanceledException(), "bulwark attack").ShouldBe("interrupted");
    }

    [Fact]
    public void Should_SayWhichValueIsWrong_When_AnOptionDoesNotParse()
    {
        // Given
        using var folder = new TemporaryFolder();

        // When
        var run = BulwarkProgram.Run("train", "--epochs", "many", "--out", folder["run"], "--json");

        // Then
        run.ShouldFailNaming("'many'", json: true);
        run.StderrLines.Length.ShouldBe(1);
        run.StderrLines[0].ShouldContain("--epochs");
        run.StderrLines[0].ShouldContain("bulwark train --help");
    }

    [Fact]
    public void Should_PrintHumanOutputToStdout_When_RunWithoutJsonAfterARunWithJson()
    {
        // Given: the program has already run once in this process with --json (human output then goes to stderr)
        using var folder = new TemporaryFolder();
        BulwarkProgram.Run("test", "--run", folder["missing"], "--json");

        // When
        var help = BulwarkProgram.Run("--help");

        // Then
        help.ExitCode.ShouldBe(0);
        help.Stdout.ShouldContain("train");
        help.Stdout.ShouldNotContain("{\"error\"");
    }

    /// <summary>The two model files of a run directory for a small MLP, written by the library as the trainer writes them.</summary>
    private static string WriteRun(string path)
    {
        var spec = new ModelSpec { Architecture = "mlp", Widths = [8] };
        var directory = new Defenses.Training.RunDirectory(path);
        directory.Create();
        directory.WriteModelSpec(spec);
        using var model = ModelZoo.Create(spec);
        Defenses.Training.RunDirectory.SaveWeights(directory.BestWeightsFile, model, spec);
        return directory.Path;
    }
}
