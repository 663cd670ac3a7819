using System.Diagnostics;
using Bulwark.Data;
using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Models;
using Bulwark.Torch.Nn;
using Bulwark.Torch.Optim;

namespace Bulwark.Defenses.Training;

/// <summary>
/// Trains a model with an objective under the papers' protocol: optional seeded validation split, learning-rate
/// decay on validation-loss plateaus, early stopping, best-validation weights kept, per-epoch metrics as JSON lines,
/// a checkpoint after every epoch (model, optimizer, RNG, epoch) so an interrupted run resumes where it stopped.
/// Deterministic on the CPU for a given seed. With <see cref="TrainerOptions.Augmentation"/> an epoch goes over the clean
/// training set and its noisy copies, shuffled together (<see cref="GaussianAugmentationLoader"/>); validation and test
/// passes stay clean. For the post-processing protocols a run can start from <see cref="TrainerOptions.InitialWeights"/> (with
/// a fresh optimizer), decay the rate every epoch (<see cref="TrainerOptions.LearningRateDecay"/>) and stop after a number of
/// optimizer steps (<see cref="TrainerOptions.MaxSteps"/>); all three resume exactly.
/// </summary>
public sealed class Trainer(TrainerOptions options, ITrainingObjective objective)
{
    public TrainerOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    public ITrainingObjective Objective { get; } = objective ?? throw new ArgumentNullException(nameof(objective));

    /// <summary>
    /// Trains a new model described by <paramref name="spec"/> on <paramref name="train"/> (a validation part is
    /// split off when <see cref="TrainerOptions.ValidationSplit"/> &gt; 0), writes the run into
    /// <paramref name="run"/>, and reports accuracy on <paramref name="test"/> with the best weights.
    /// With <paramref name="resume"/> an existing checkpoint in the run directory is continued.
    /// </summary>
    public TrainingResult Fit(ModelSpec spec, TensorDataset train, TensorDataset? test, RunDirectory run, bool resume = false,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(run);
        if (Options.Augmentation is { } augmentation)
        {
            GaussianAugmentationLoader.Validate(augmentation);
        }

        if (!resume && run.HasCheckpoint)
        {
            throw new InvalidOperationException(
                $"{run.Path} already holds a run; pass --resume to continue it or choose another --out");
        }

        ValidateSchedule();
        if (Options.InitialWeights is { } initial && !(resume && run.HasCheckpoint) && !File.Exists(initial))
        {
            throw new FileNotFoundException($"initial weights '{initial}' not found", initial);
        }

        Torch.Torch.ManualSeed(Options.Seed);
        using var model = ModelZoo.Create(spec);
        using var optimizer = CreateOptimizer(model);

        // Only now: an unknown model or optimizer must not leave an empty run directory behind. The lock comes before
        // the checkpoint is read, so that two trainers never continue the same run.
        using var runLock = run.Lock();
        var (trainPart, validationPart) = Options.ValidationSplit > 0
            ? DatasetSplit.TrainValidation(train, Options.ValidationSplit, Options.Seed)
            : (train, null);
        try
        {
            return FitCore(spec, model, optimizer, trainPart, validationPart, test, run, resume, progress, cancellation);
        }
        finally
        {
            if (!ReferenceEquals(trainPart, train))
            {
                trainPart.Dispose();
            }

            validationPart?.Dispose();
        }
    }

    private void ValidateSchedule()
    {
        if (Options.LearningRateDecay is { } decay)
        {
            if (!(decay > 0) || double.IsInfinity(decay))
            {
                throw new ArgumentOutOfRangeException(nameof(Options), decay, "the learning-rate decay must be a positive finite factor");
            }

            if (Options.PlateauFactor is not null)
            {
                throw new ArgumentException("a per-epoch learning-rate decay and a plateau schedule cannot be combined");
            }
        }

        if (Options.Epsilon is not null && Options.Optimizer == "sgd")
        {
            throw new ArgumentException("an optimizer ε applies to adam and rmsprop, not to sgd");
        }

        if (Options.MaxSteps is { } steps && steps <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Options), steps, "the maximum number of steps must be positive");
        }
    }

    private TrainingResult FitCore(ModelSpec spec, Sequential model, Optimizer optimizer, TensorDataset train,
        TensorDataset? validation, TensorDataset? test, RunDirectory run, bool resume, IProgress<TrainingProgress>? progress,
        CancellationToken cancellation)
    {
        var plateau = Options.PlateauFactor is { } factor && validation is not null
            ? new ReduceLROnPlateau(optimizer, new ReduceLROnPlateauOptions { Factor = factor, Patience = Options.PlateauPatience })
            : null;
        var decay = Options.LearningRateDecay is { } gamma ? new ExponentialLR(optimizer, gamma) : null;
        var state = new CheckpointState { Epoch = -1, LearningRate = Options.LearningRate };
        var history = new List<EpochMetrics>();
        if (resume && run.HasCheckpoint)
        {
            state = RestoreCheckpoint(run, model, optimizer, plateau, decay);
            history = run.ReadMetrics().Where(m => m.Epoch <= state.Epoch).ToList();
        }
        else
        {
            if (Options.InitialWeights is { } initial)
            {
                // post-processing: the new model starts from these weights, the optimizer (made fresh) from scratch
                RunDirectory.LoadWeights(initial, model);
            }

            run.WriteModelSpec(spec);
            run.WriteConfig(new { dataset = Options.Dataset ?? train.Name, options = Options, objective = Objective.ToString(), model = spec });
            run.WriteMetrics(history);
        }

        var loader = new DataLoader(train, Options.BatchSize, shuffle: true, seed: Options.Seed, dropLast: Options.DropLast);
        using var augmented = Options.Augmentation is { } augmentation
            ? new GaussianAugmentationLoader(train, augmentation, Options.BatchSize, Options.Seed, Options.DropLast)
            : null;
        Func<int, IEnumerable<DataBatch>> batchesOf = augmented is null ? loader.ForEpoch : augmented.ForEpoch;
        var batchCount = augmented?.BatchCount ?? loader.BatchCount;
        // with a step budget, the epochs it leaves room for: what a progress display should count to
        var plannedEpochs = Options.MaxSteps is { } maxSteps && batchCount > 0
            ? (int)Math.Min(Options.Epochs, (maxSteps + batchCount - 1) / batchCount)
            : Options.Epochs;
        var stoppedEarly = false;
        for (var epoch = state.Epoch + 1; !Options.IsCompletedBy(state); epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            var stepBudget = Options.MaxSteps - state.Steps;
            var (trainLoss, trainAccuracy, samples, steps) =
                TrainEpoch(model, optimizer, batchesOf(epoch), batchCount, epoch, plannedEpochs, stepBudget, progress, cancellation);
            var seconds = clock.Elapsed.TotalSeconds;
            double? validationLoss = null, validationAccuracy = null;
            if (validation is not null)
            {
                (validationLoss, validationAccuracy) = Evaluate(model, validation);
            }

            // Ties count as improvement, as in the reference trainer ("best < val" is the bad case).
            var monitored = validationLoss ?? trainLoss;
            var improved = !double.IsNaN(monitored) && monitored <= state.BestValidationLoss;
            if (improved)
            {
                RunDirectory.SaveWeights(run.BestWeightsFile, model, spec);
            }

            plateau?.Step(monitored);
            decay?.Step();
            var bad = improved ? 0 : state.EpochsWithoutImprovement + 1;
            stoppedEarly = double.IsNaN(trainLoss) || (Options.EarlyStoppingPatience is { } patience && validation is not null && bad >= patience);
            var metrics = new EpochMetrics
            {
                Epoch = epoch,
                TrainLoss = trainLoss,
                TrainAccuracy = trainAccuracy,
                ValidationLoss = validationLoss,
                ValidationAccuracy = validationAccuracy,
                LearningRate = optimizer.ParameterGroups[0].LearningRate,
                Seconds = seconds,
                SamplesPerSecond = samples / seconds,
                IsBest = improved,
            };
            history.Add(metrics);
            state = state with
            {
                Epoch = epoch,
                BestValidationLoss = improved ? monitored : state.BestValidationLoss,
                BestEpoch = improved ? epoch : state.BestEpoch,
                EpochsWithoutImprovement = bad,
                LearningRate = optimizer.ParameterGroups[0].LearningRate,
                SchedulerState = plateau?.GetState(),
                DecayState = decay?.GetState(),
                Steps = state.Steps + steps,
                TrainSeconds = state.TrainSeconds + seconds,
                SamplesSeen = state.SamplesSeen + samples,
                Finished = stoppedEarly,
            };
            SaveCheckpoint(run, model, spec, optimizer, state, history);
        }

        if (state.Epoch >= 0 && !File.Exists(run.BestWeightsFile))
        {
            // Only a loss that is NaN from the first epoch on leaves nothing to keep as the best model.
            throw new InvalidOperationException(
                $"training diverged: the loss was NaN from the first epoch on, so no weights were kept as best; see {run.MetricsFile}");
        }

        double? testAccuracy = null;
        if (test is not null)
        {
            RunDirectory.LoadWeights(run.BestWeightsFile, model);
            testAccuracy = Evaluate(model, test).Accuracy;
        }

        return new TrainingResult
        {
            Epochs = state.Epoch + 1,
            BestEpoch = state.BestEpoch,
            TestAccuracy = testAccuracy,
            TrainSeconds = state.TrainSeconds,
            SamplesPerSecond = state.TrainSeconds > 0 ? state.SamplesSeen / state.TrainSeconds : 0,
            StoppedEarly = state.Finished,
            RunDirectory = run.Path,
            History = history,
        };
    }

    private (double Loss, double Accuracy, long Samples, long Steps) TrainEpoch(Sequential model, Optimizer optimizer,
        IEnumerable<DataBatch> batches, int batchCount, int epoch, int plannedEpochs, long? stepBudget, IProgress<TrainingProgress>? progress,
        CancellationToken cancellation)
    {
        model.Train();
        // the last epoch of a step budget is partial: its progress counts to the batches the budget leaves
        var batchesThisEpoch = stepBudget is { } budget ? (int)Math.Min(batchCount, budget) : batchCount;
        double lossSum = 0;
        long correct = 0, seen = 0;
        var batchIndex = 0;
        foreach (var batch in batches)
        {
            if (batchIndex >= stepBudget)
            {
                batch.Dispose();
                break;
            }

            cancellation.ThrowIfCancellationRequested();
            using var scope = TensorScope.Begin();
            optimizer.ZeroGrad();
            var result = Objective.Compute(model, batch.Images, batch.Labels);
            result.Loss.Backward();
            optimizer.Step();
            var count = batch.Count;
            lossSum += result.Loss.ToDouble() * count;
            using (Autograd.NoGrad())
            {
                correct += result.Logits.Argmax(1).Eq(batch.Labels).Sum().ToInt64();
            }

            seen += count;
            batchIndex++;
            progress?.Report(new TrainingProgress(epoch, plannedEpochs, batchIndex, batchesThisEpoch, lossSum / seen, (double)correct / seen));
            batch.Dispose();
        }

        return (lossSum / Math.Max(seen, 1), (double)correct / Math.Max(seen, 1), seen, batchIndex);
    }

    /// <summary>Mean objective loss and accuracy in evaluation mode, without parameter updates.</summary>
    public (double Loss, double Accuracy) Evaluate(Module model, TensorDataset data)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var wasTraining = model.Training;
        model.Eval();
        try
        {
            double lossSum = 0;
            long correct = 0;
            var loader = new DataLoader(data, Options.EvaluationBatchSize);
            foreach (var batch in loader)
            {
                using var scope = TensorScope.Begin();
                var result = Objective.Compute(model, batch.Images, batch.Labels);
                lossSum += result.Loss.ToDouble() * batch.Count;
                using (Autograd.NoGrad())
                {
                    correct += result.Logits.Argmax(1).Eq(batch.Labels).Sum().ToInt64();
                }

                batch.Dispose();
            }

            return (lossSum / data.Count, (double)correct / data.Count);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>Accuracy of a model on a dataset (evaluation mode, no gradients).</summary>
    public static double Accuracy(Module model, TensorDataset data, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        var wasTraining = model.Training;
        model.Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            long correct = 0;
            foreach (var batch in new DataLoader(data, batchSize))
            {
                using var scope = TensorScope.Begin();
                correct += model.Forward(batch.Images).Argmax(1).Eq(batch.Labels).Sum().ToInt64();
                batch.Dispose();
            }

            return (double)correct / data.Count;
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    private Optimizer CreateOptimizer(Module model)
    {
        var (decayed, rest) = SplitForWeightDecay(model.Parameters().ToList(), Options.WeightDecayOn);
        return Options.Optimizer switch
        {
            "adam" => new Adam(Groups(decayed, rest, new AdamOptions
            {
                LearningRate = Options.LearningRate,
                WeightDecay = Options.WeightDecay,
                Eps = Options.Epsilon ?? new AdamOptions().Eps,
            })),
            "sgd" => new SGD(Groups(decayed, rest, new SGDOptions
            {
                LearningRate = Options.LearningRate,
                Momentum = Options.Momentum,
                Nesterov = Options.Nesterov,
                WeightDecay = Options.WeightDecay,
            })),
            "rmsprop" => new RMSprop(Groups(decayed, rest, new RMSpropOptions
            {
                LearningRate = Options.LearningRate,
                Momentum = Options.Momentum,
                WeightDecay = Options.WeightDecay,
                Eps = Options.Epsilon ?? new RMSpropOptions().Eps,
            })),
            _ => throw new ArgumentException($"unknown optimizer '{Options.Optimizer}'; known: adam, sgd, rmsprop"),
        };
    }

    /// <summary>One group of the decayed parameters, and one without weight decay for the others when there are any.</summary>
    private static List<ParameterGroup> Groups(List<Tensor> decayed, List<Tensor> rest, OptimizerOptions options)
    {
        var groups = new List<ParameterGroup> { new(decayed, options) };
        if (rest.Count > 0)
        {
            groups.Add(new ParameterGroup(rest, options with { WeightDecay = 0 }));
        }

        return groups;
    }

    /// <summary>The parameters <see cref="TrainerOptions.WeightDecayOn"/> names, and the others, each in model order.</summary>
    internal static (List<Tensor> Decayed, List<Tensor> Others) SplitForWeightDecay(List<Tensor> parameters, string? weightDecayOn)
    {
        switch (weightDecayOn)
        {
            case null:
                return (parameters, []);
            case "hidden-weights":
                var weights = parameters.Where(p => p.Dim >= 2).ToList();
                var decayed = new HashSet<Tensor>(weights.Take(weights.Count - 1), ReferenceEqualityComparer.Instance);
                return (parameters.Where(decayed.Contains).ToList(), parameters.Where(p => !decayed.Contains(p)).ToList());
            default:
                throw new ArgumentException($"unknown weight-decay scope '{weightDecayOn}'; known: hidden-weights (or none for every parameter)");
        }
    }

    private static void SaveCheckpoint(RunDirectory run, Module model, ModelSpec spec, Optimizer optimizer,
        CheckpointState state, List<EpochMetrics> history)
    {
        // Order matters for a crash between writes: tensors first, then the JSON that points at the new epoch.
        RunDirectory.SaveWeights(run.CheckpointWeightsFile, model, spec);
        using (var optimizerState = optimizer.StateDict())
        {
            optimizerState.Save(run.CheckpointOptimizerFile);
        }

        run.WriteMetrics(history);
        var withRng = state with { RngState = Convert.ToBase64String(Torch.Torch.GetRngState()) };
        run.WriteCheckpointState(withRng);
    }

    private static CheckpointState RestoreCheckpoint(RunDirectory run, Module model, Optimizer optimizer, ReduceLROnPlateau? plateau,
        ExponentialLR? decay)
    {
        var state = run.ReadCheckpointState() ?? throw new InvalidDataException($"{run.CheckpointStateFile}: no checkpoint to resume");
        RunDirectory.LoadWeights(run.CheckpointWeightsFile, model);
        using (var optimizerState = OptimizerStateDict.Load(run.CheckpointOptimizerFile))
        {
            optimizer.LoadStateDict(optimizerState);
        }

        if (plateau is not null && state.SchedulerState is not null)
        {
            plateau.LoadState(state.SchedulerState);
        }

        if (decay is not null && state.DecayState is not null)
        {
            decay.LoadState(state.DecayState);
        }

        if (state.RngState.Length > 0)
        {
            Torch.Torch.SetRngState(Convert.FromBase64String(state.RngState));
        }

        return state;
    }
}
