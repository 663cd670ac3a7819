using System.CommandLine;
using System.CommandLine.Parsing;
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

        // A console per run, bound to the streams of this run: the program may be run more than once in a process (tests).
        Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(json ? System.Console.Error : System.Console.Out) });
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            return Fail($"{string.Join("; ", parse.Errors.Select(e => e.Message))} (see '{CommandPath(parse)} --help')", "ParseError", json);
        }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        System.Console.CancelKeyPress += onCancel;
        Cancellation = cancel.Token;
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is TorchException or IOException or InvalidDataException or ArgumentException
                                      or UnauthorizedAccessException or InvalidOperationException or DllNotFoundException
                                      or OperationCanceledException)
        {
            return Fail(Describe(e, CommandPath(parse)), e.GetType().Name, json, e is OperationCanceledException ? 130 : 1);
        }
        finally
        {
            System.Console.CancelKeyPress -= onCancel;
            Cancellation = CancellationToken.None;
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

    /// <summary>One line on stderr, and under --json an <c>{"error": …}</c> object as the last line of stdout.</summary>
    private static int Fail(string message, string type, bool json, int exitCode = 1)
    {
        System.Console.Error.WriteLine($"bulwark: {message}");
        if (json)
        {
            WriteJson(new JsonObject { ["error"] = message, ["type"] = type });
        }

        return exitCode;
    }

    /// <summary>"bulwark bench train-step": the command that was parsed, as the user types it.</summary>
    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result.Command is not RootCommand && result.Parent is CommandResult parent; result = parent)
        {
            names.Insert(0, result.Command.Name);
        }

        return string.Join(' ', names.Prepend("bulwark"));
    }

    /// <summary>
    /// The message a user needs, on one line: without .NET's " (Parameter 'x')" suffix, which names a C# parameter; an
    /// interruption says how <paramref name="command"/> continues (train takes --resume; a study or a reproduction continues
    /// when run again; anything else starts over).
    /// </summary>
    internal static string Describe(Exception e, string command)
    {
        var message = e switch
        {
            OperationCanceledException => command switch
            {
                "bulwark train" => "interrupted; continue the run with the same command and --resume",
                "bulwark study gaussian" or "bulwark reproduce" => "interrupted; run the same command again to continue where it stopped",
                _ => "interrupted",
            },
            ArgumentException { ParamName: { } name } => e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal),
            _ => e.Message,
        };
        return message.ReplaceLineEndings(" ");
    }
}
