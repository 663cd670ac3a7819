using Bulwark.TestKit;

namespace Bulwark.Cli.Tests;

/// <summary>The --augment-* flags and the named choices of <c>bulwark train</c> are checked while parsing, before any data is read.</summary>
public sealed class TrainAugmentationOptionTests
{
    [Theory]
    [InlineData("--augment-folds 2", "--augment-folds needs --augment-sigma")]
    [InlineData("--augment-sigma 0.1", "--augment-sigma needs --augment-folds")]
    [InlineData("--augment-shared-noise", "--augment-shared-noise needs --augment-folds")]
    [InlineData("--augment-folds 0 --augment-sigma 0.1", "--augment-folds must be at least 1")]
    [InlineData("--augment-folds 1 --augment-sigma -0.1", "--augment-sigma must be finite and non-negative")]
    [InlineData("--init glorot", "glorot")]
    [InlineData("--weight-decay-on biases", "biases")]
    public void Should_FailNamingTheFlag_When_TheAugmentationFlagsAreIncomplete(string flags, string problem)
    {
        // Given: an empty data directory, which would fail differently if it were read
        using var folder = new TemporaryFolder();
        string[] args = ["train", .. flags.Split(' '), "--data-dir", folder["data"], "--out", folder["run"]];

        // When
        var run = BulwarkProgram.Run(args);

        // Then
        run.ShouldFailNaming(problem, json: false);
        Directory.Exists(folder["run"]).ShouldBeFalse();
    }
}
