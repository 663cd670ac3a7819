using System.CommandLine;
using System.Text.Json.Nodes;
using Bulwark.Data;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.Torch.Models;
using Spectre.Console;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark train</c>: trains a zoo model on a dataset into a run directory.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"Architecture: {string.Join(", ", ModelZoo.Names)}", DefaultValueFactory = _ => "lenet5" };
        // Checked while parsing, before any data is loaded.
        model.Validators.Add(result =>
        {
            var name = result.GetValueOrDefault<string>();
            if (!ModelZoo.Names.Contains(name))
            {
                result.AddError($"unknown model '{name}'; known: {string.Join(", ", ModelZoo.Names)}");
            }
        });
        var dataset = new Option<string>("--dataset") { Description = "mnist or fashion-mnist", DefaultValueFactory = _ => "mnist" };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int>("--batch-size") { DefaultValueFactory = _ => 128 };
        var optimizer = new Option<string>("--optimizer") { Description = "adam, sgd or rmsprop", DefaultValueFactory = _ => "adam" };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-3 };
        var weightDecay = new Option<double>("--weight-decay");
        var weightDecayOn = new Option<string?>("--weight-decay-on")
        {
            Description = "Decay only hidden-weights: every layer's weights but the output layer's, no biases (default: every parameter)",
        };
        CommonOptions.AcceptOnly(weightDecayOn, ["hidden-weights"], "weight-decay scope");
        var eps = new Option<double?>("--eps") { Description = "ε of adam and rmsprop (default 1e-8)" };
        var init = new Option<string?>("--init")
        {
            Description = $"Weight initialisation: {string.Join(" or ", ModelZoo.Initializations)} (default: PyTorch's)",
        };
        CommonOptions.AcceptOnly(init, ModelZoo.Initializations, "initialization");
        var momentum = new Option<double>("--momentum");
        var nesterov = new Option<bool>("--nesterov");
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Run directory (default runs/<model>-<dataset>-seed<seed>)" };
        var validationSplit = new Option<double>("--val-split") { Description = "Fraction held out for validation (e.g. 0.1)" };
        var plateauFactor = new Option<double?>("--plateau-factor") { Description = "ReduceLROnPlateau factor on validation loss" };
        var plateauPatience = new Option<int>("--plateau-patience") { DefaultValueFactory = _ => 3 };
        var earlyStopping = new Option<int?>("--early-stopping") { Description = "Stop after N epochs without validation improvement" };
        var objective = new ObjectiveOptions();
        var augmentFolds = new Option<int?>("--augment-folds")
        {
            Description = "Gaussian noise augmentation: N noisy copies of the training set per epoch, shuffled in with the clean one ((N+1)× the steps)",
        };
        var augmentSigma = new Option<double?>("--augment-sigma") { Description = "Noise σ of --augment-folds, in the model's input space (required with it)" };
        var augmentClip = new Option<bool>("--augment-clip") { Description = "Clip noisy training images to [0, 1] (the reference does not)" };
        var augmentSharedNoise = new Option<bool>("--augment-shared-noise")
        {
            Description = "The reference's quirk: one noise tensor per fold, the same for every image (seeded with seed + fold)",
        };
        var widths = new Option<string?>("--widths") { Description = "Hidden widths for mlp, e.g. 1200,1200,1200" };
        var dropout = CommonOptions.Dropout();
        var limit = new Option<int?>("--train-samples") { Description = "Use only the first N training samples (quick runs)" };
        var normalize = new Option<string>("--normalize")
        {
            Description = "Input standardisation built into the model: none (default: the model takes [0,1] pixels), auto (the dataset's mean/std), or MEAN,…/STD,…",
            DefaultValueFactory = _ => "none",
        };
        var initFrom = new Option<string?>("--init-from")
        {
            Description = "Start from these weights (a run directory's best weights, or a .safetensors file) with a fresh optimizer: the post-processing protocol",
        };
        var lrDecay = new Option<double?>("--lr-decay") { Description = "Multiply the learning rate by this factor after every epoch (e.g. 0.95)" };
        var maxSteps = new Option<long?>("--max-steps") { Description = "Stop after this many optimizer steps (the papers' iteration counts)" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint" };
        var protocol = new Option<string?>("--protocol")
        {
            Description = $"The moment-regularizer paper's protocol and model ({string.Join(", ", MomentPaperProtocol.Models)}): its optimizer, batch, " +
                          "epochs, validation split, plateau decay, early stopping and x − 0.5 standardisation; flags given explicitly still win",
        };
        CommonOptions.AcceptOnly(protocol, MomentPaperProtocol.Models, "protocol");
        var dataDir = CommonOptions.DataDir();
        var threads = CommonOptions.Threads();

        var command = new Command("train", "Train a classifier; writes config, metrics, best weights and checkpoints to a run directory")
        {
            model, dataset, epochs, batchSize, optimizer, lr, weightDecay, weightDecayOn, eps, init, momentum, nesterov, seed, output, validationSplit,
            plateauFactor, plateauPatience, earlyStopping, augmentFolds, augmentSigma, augmentClip, augmentSharedNoise,
            widths, dropout, limit, normalize, initFrom, lrDecay, maxSteps, resume, protocol, dataDir, threads,
        };
        objective.AddTo(command);
        // Checked while parsing, before any data is loaded.
        command.Validators.Add(result =>
        {
            var folds = result.GetValue(augmentFolds);
            if (folds is null)
            {
                foreach (var dependent in new Option[] { augmentSigma, augmentClip, augmentSharedNoise })
                {
                    if (result.GetResult(dependent) is { Implicit: false })
                    {
                        result.AddError($"{dependent.Name} needs --augment-folds");
                    }
                }
            }
            else if (folds < 1)
            {
                result.AddError($"--augment-folds must be at least 1; got {folds}");
            }
            else if (result.GetValue(augmentSigma) is not { } augmentationSigma)
            {
                result.AddError("--augment-folds needs --augment-sigma");
            }
            else if (!(augmentationSigma >= 0) || double.IsInfinity(augmentationSigma))
            {
                result.AddError($"--augment-sigma must be finite and non-negative; got {augmentationSigma}");
            }
        });
        command.SetAction(parse =>
        {
            CliRunner.ApplyThreads(parse.GetValue(threads));
            var datasetName = parse.GetValue(dataset)!;
            var directory = DataDirectory.Resolve(parse.GetValue(dataDir));
            using var train = DatasetCatalog.Load(datasetName, directory, train: true, limit: parse.GetValue(limit));
            using var test = DatasetCatalog.Load(datasetName, directory, train: false);
            // --protocol supplies the paper's value of every option not given explicitly
            var protocolName = parse.GetValue(protocol);
            var preset = protocolName is null ? null : MomentPaperProtocol.For(protocolName);
            bool FromPreset(Option option) => preset is not null && parse.GetResult(option) is not { Implicit: false };
            T Pick<T>(Option<T> option, Func<TrainerOptions, T> paper) => FromPreset(option) ? paper(preset!) : parse.GetValue(option)!;
            var (mean, std) = FromPreset(normalize)
                ? MomentPaperProtocol.Standardization(datasetName)
                : Standardization(parse.GetValue(normalize)!, datasetName);
            var spec = new ModelSpec
            {
                Mean = mean,
                Std = std,
                Architecture = FromPreset(model) ? protocolName! : parse.GetValue(model)!,
                Channels = (int)train.ImageShape[0],
                ImageSize = (int)train.ImageShape[1],
                Classes = train.ClassCount,
                Widths = parse.GetValue(widths)?.Split(',').Select(int.Parse).ToArray(),
                Dropout = parse.GetValue(dropout),
                Initialization = parse.GetValue(init),
            };
            var options = new TrainerOptions
            {
                Epochs = Pick(epochs, p => p.Epochs),
                BatchSize = Pick(batchSize, p => p.BatchSize),
                EvaluationBatchSize = preset?.EvaluationBatchSize ?? new TrainerOptions().EvaluationBatchSize,
                DropLast = preset?.DropLast ?? false,
                Optimizer = Pick(optimizer, p => p.Optimizer),
                LearningRate = Pick(lr, p => p.LearningRate),
                WeightDecay = Pick(weightDecay, p => p.WeightDecay),
                WeightDecayOn = parse.GetValue(weightDecayOn),
                Epsilon = parse.GetValue(eps),
                Momentum = Pick(momentum, p => p.Momentum),
                Nesterov = Pick(nesterov, p => p.Nesterov),
                Seed = parse.GetValue(seed),
                ValidationSplit = Pick(validationSplit, p => p.ValidationSplit),
                PlateauFactor = Pick(plateauFactor, p => p.PlateauFactor),
                PlateauPatience = Pick(plateauPatience, p => p.PlateauPatience),
                EarlyStoppingPatience = Pick(earlyStopping, p => p.EarlyStoppingPatience),
                Dataset = datasetName,
                InitialWeights = parse.GetValue(initFrom) is { } from && Directory.Exists(from) ? new RunDirectory(from).BestWeightsFile : parse.GetValue(initFrom),
                LearningRateDecay = parse.GetValue(lrDecay),
                MaxSteps = parse.GetValue(maxSteps),
                Augmentation = parse.GetValue(augmentFolds) is { } folds
                    ? new GaussianAugmentation
                    {
                        Folds = folds,
                        Sigma = parse.GetValue(augmentSigma)!.Value,
                        Clip = parse.GetValue(augmentClip),
                        SharedNoise = parse.GetValue(augmentSharedNoise),
                    }
                    : null,
            };
            var runPath = parse.GetValue(output) ?? Path.Combine("runs", $"{spec.Architecture}-{datasetName}-seed{options.Seed}");
            var trainer = new Trainer(options, objective.Create(parse, seed: options.Seed));
            var console = CliRunner.Console;
            // MarkupLineInterpolated escapes only string arguments: a spec's "[0.1307]" would otherwise be read as a style.
            console.MarkupLineInterpolated($"[bold]Training[/] {spec.ToString()} on {datasetName} ({train.Count} images) — {options.ToString()} — {trainer.Objective.ToString()}");
            var result = ProgressDisplay.Run(console,
                progress => trainer.Fit(spec, train, test, new RunDirectory(runPath), parse.GetValue(resume), progress, CliRunner.Cancellation));
            foreach (var epoch in result.History)
            {
                console.WriteLine(
                    $"epoch {epoch.Epoch + 1,3}: loss {epoch.TrainLoss:F4}  train acc {epoch.TrainAccuracy:P2}" +
                    (epoch.ValidationAccuracy is { } va ? $"  val loss {epoch.ValidationLoss:F4}  val acc {va:P2}" : "") +
                    $"  {epoch.SamplesPerSecond:F0} img/s");
            }

            console.MarkupLineInterpolated($"[green]test accuracy[/] {result.TestAccuracy:P2} after {result.Epochs} epochs ({result.TrainSeconds:F1} s); run in {result.RunDirectory}");
            if (parse.GetValue(CommonOptions.Json))
            {
                CliRunner.WriteJson(new JsonObject
                {
                    ["test_accuracy"] = result.TestAccuracy,
                    ["epochs"] = result.Epochs,
                    ["best_epoch"] = result.BestEpoch,
                    ["train_seconds"] = result.TrainSeconds,
                    ["samples_per_second"] = result.SamplesPerSecond,
                    ["run_dir"] = result.RunDirectory,
                });
            }

            return 0;
        });
        return command;
    }

    private static (double[]? Mean, double[]? Std) Standardization(string value, string dataset)
    {
        switch (value)
        {
            case "none":
                return (null, null);
            case "auto":
                var statistics = DatasetCatalog.Statistics(dataset);
                return statistics is null ? (null, null) : ([.. statistics.Mean], [.. statistics.Std]);
        }

        var parts = value.Split('/');
        if (parts.Length != 2)
        {
            throw new ArgumentException($"--normalize takes auto, none or MEAN,…/STD,…; got '{value}'");
        }

        static double[] Parse(string list) =>
            [.. list.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture))];
        return (Parse(parts[0]), Parse(parts[1]));
    }
}
