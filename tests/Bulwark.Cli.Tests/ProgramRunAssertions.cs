namespace Bulwark.Cli.Tests;

internal static class ProgramRunAssertions
{
    /// <summary>
    /// Exit code 1; the last stderr line is "bulwark: …" naming the problem, with no stack trace anywhere; under --json
    /// stdout is exactly one <c>{"error": …}</c> object saying the same.
    /// </summary>
    public static void ShouldFailNaming(this ProgramRun run, string problem, bool json)
    {
        run.ExitCode.ShouldBe(1, $"stdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
        run.StderrLines.ShouldNotBeEmpty();
        run.StderrLines[^1].ShouldStartWith("bulwark: ");
        run.StderrLines[^1].ShouldContain(problem);
        run.Stderr.ShouldNotContain(" at Bulwark.");
        run.Stderr.ShouldNotContain("Exception:");
        if (json)
        {
            run.StdoutLines.Length.ShouldBe(1, run.Stdout);
            run.LastJson["error"]!.GetValue<string>().ShouldContain(problem);
        }
    }
}
