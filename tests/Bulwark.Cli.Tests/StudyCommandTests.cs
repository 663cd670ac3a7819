namespace Bulwark.Cli.Tests;

/// <summary>`bulwark study gaussian` refusing bad grids before it trains anything (the study itself is tested in Bulwark.Experiments.Tests).</summary>
public sealed class StudyCommandTests
{
    [Fact]
    public void Should_FailNamingTheModels_When_TheModelHasNoPaperProtocol()
    {
        var run = BulwarkProgram.Run("study", "gaussian", "--model", "lenet5", "--json");
        run.ShouldFailNaming("gnm-lenet", json: true);
    }

    [MnistInstalledFact]
    public void Should_FailNamingSigmaZero_When_SigmaZeroIsInTheGrid()
    {
        using var folder = new Bulwark.TestKit.TemporaryFolder();
        var run = BulwarkProgram.Run("study", "gaussian", "--sigmas", "0,0.5", "--quick", "--out", folder["study"], "--json");
        run.ShouldFailNaming("σ = 0", json: true);
        Directory.Exists(folder["study"]).ShouldBeFalse();
    }

    [Fact]
    public void Should_FailNamingTheOption_When_AListIsNotNumbers()
    {
        var run = BulwarkProgram.Run("study", "gaussian", "--alphas", "one", "--data-dir", "/nonexistent-bulwark-data", "--json");
        run.ShouldFailNaming("--alphas", json: true);
    }
}
