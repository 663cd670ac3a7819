using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Torch;
using Spectre.Console;

namespace Bulwark.Cli;

/// <summary>Runs the parsed command, turning known failures into a clear message and exit code 1 (never a stack dump).</summary>
internal static class CliRunner
{
    /// <summary>Human-readable output goes to stderr when --json is given, so stdout carries exactly one JSON object.</summary>
    public static IAnsiConsole Console { get; private set; } = AnsiConsole.Console;

    public static int Run(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        var json = parse.GetValue(CommonOptions.Json);
        if (json)
        {
            Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
        }

        using var cancel = new CancellationTokenSource();
        System.Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Cancellation = cancel.Token;
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is TorchException or IOException or InvalidDataException or ArgumentException
                                      or UnauthorizedAccessException or InvalidOperationException or DllNotFoundException
                                      or OperationCanceledException)
        {
            var message = e is OperationCanceledException ? "interrupted; resume with --resume" : e.Message;
            System.Console.Error.WriteLine($"bulwark: {message}");
            if (json)
            {
                WriteJson(new JsonObject { ["error"] = message, ["type"] = e.GetType().Name });
            }

            return e is OperationCanceledException ? 130 : 1;
        }
    }

    public static CancellationToken Cancellation { get; private set; }

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>Prints the JSON result line (stdout, last line).</summary>
    public static void WriteJson(JsonObject result) => System.Console.Out.WriteLine(result.ToJsonString(Compact));

    public static void ApplyThreads(int? threads)
    {
        if (threads is { } n)
        {
            Torch.Torch.SetNumThreads(n);
        }
    }
}
