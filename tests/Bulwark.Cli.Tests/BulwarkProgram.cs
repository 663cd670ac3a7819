using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json.Nodes;

namespace Bulwark.Cli.Tests;

/// <summary>What one run of the program printed, and its exit code.</summary>
public sealed record ProgramRun(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Lines(Stdout);

    public string[] StderrLines => Lines(Stderr);

    /// <summary>The last line of stdout, parsed: where --json puts its one object.</summary>
    public JsonObject LastJson =>
        StdoutLines.Length == 0
            ? throw new ShouldAssertException($"stdout is empty; stderr was:\n{Stderr}")
            : JsonNode.Parse(StdoutLines[^1])?.AsObject() ?? throw new ShouldAssertException($"the last stdout line is not a JSON object: {StdoutLines[^1]}");

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Runs the real <c>bulwark</c> program — its generated Main, through the assembly's entry point — in this process,
/// capturing what it writes to stdout and stderr.
/// </summary>
internal static class BulwarkProgram
{
    private static readonly MethodInfo EntryPoint = typeof(CliRunner).Assembly.EntryPoint
        ?? throw new InvalidOperationException("the bulwark assembly has no entry point");

    public static ProgramRun Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var (previousOut, previousError) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var exitCode = (int)EntryPoint.Invoke(null, [args])!;
            return new ProgramRun(exitCode, stdout.ToString(), stderr.ToString());
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }
}
