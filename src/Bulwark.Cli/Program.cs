using System.CommandLine;
using Bulwark.Cli;
using Bulwark.Cli.Commands;

var root = new RootCommand("Bulwark: train image classifiers that resist noise and adversarial attacks, and measure how robust they are.")
{
    DataCommand.Create(),
    TrainCommand.Create(),
    TestCommand.Create(),
    AttackCommand.Create(),
    EvaluateCommand.Create(),
    StudyCommand.Create(),
    ReproduceCommand.Create(),
    BenchCommand.Create(),
};
root.Add(CommonOptions.Json);
return CliRunner.Run(root, args);
