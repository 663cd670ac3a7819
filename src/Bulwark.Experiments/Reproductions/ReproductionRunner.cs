using System.Diagnostics;
using System.Globalization;
using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Bulwark.Torch;
using Bulwark.Torch.Serialization;

namespace Bulwark.Experiments;

/// <summary>What a front end sees of a running reproduction.</summary>
public interface IReproductionObserver
{
    /// <summary>Run <paramref name="index"/> of <paramref name="count"/> is about to train; <paramref name="resuming"/> when it continues from a checkpoint.</summary>
    void RunStarting(ReproductionRun run, int index, int count, bool resuming);

    /// <summary>Wraps one run's training: call <paramref name="fit"/> once with the progress sink to use (or null).</summary>
    TrainingResult Train(ReproductionRun run, Func<IProgress<TrainingProgress>?, TrainingResult> fit);

    /// <summary>A stage of the evaluation of <paramref name="run"/> begins (accuracy, deepfool, fgsm, jsma θ=…).</summary>
    void Evaluating(ReproductionRun run, string stage);

    /// <summary>A run has its measurements; <paramref name="reused"/> when they were found from an earlier invocation.</summary>
    void RunFinished(ReproductionRunResult result, int index, int count, bool reused);

    /// <summary>The first <paramref name="done"/> of the <paramref name="total"/> inputs of an evaluation stage are measured.</summary>
    void EvaluationProgress(ReproductionRun run, string stage, int done, int total)
    {
    }

    /// <summary>
    /// A run is left to another process: that process holds it, or holds the run it starts from. <paramref name="reason"/>
    /// says which.
    /// </summary>
    void RunSkipped(ReproductionRun run, int index, int count, string reason)
    {
    }
}

/// <summary>
/// Runs a <see cref="Reproduction"/>: trains its models in order (a post-processing run starts from the best weights of
/// the run it names, with a fresh optimizer), measures each with the paper's evaluation, and writes
/// <c>reproduction.json</c>, <c>reproduction.md</c> and <c>reproduction.html</c> — the paper's numbers beside Bulwark's —
/// after every run. Resumable: a measured run is reused, an interrupted one continues from its checkpoint. Several
/// processes may work on one directory at once: each claims a run before it trains and measures it
/// (<see cref="RunDirectory.TryClaim"/>), leaves the runs others hold (and those that start from them), and reports
/// every run measured so far, whichever process measured it.
/// <code>
/// var result = ReproductionRunner.Run(ReproductionCatalog.Get("margin-lenet5", quick: true), train, test, "reproductions/margin-lenet5-quick");
/// </code>
/// </summary>
public static class ReproductionRunner
{
    /// <summary>The measurements of a run, inside its run directory.</summary>
    public const string RunResultFileName = "reproduce-result.json";

    public static ReproductionResult Run(Reproduction reproduction, TensorDataset train, TensorDataset test, string directory,
        IReproductionObserver? observer = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(reproduction);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Validate(reproduction);
        Directory.CreateDirectory(directory);
        var results = new List<ReproductionRunResult>();
        var plans = Plans(reproduction, directory);
        var count = reproduction.Runs.Count;
        var elsewhere = new HashSet<string>();
        for (var index = 0; index < count; index++)
        {
            cancellation.ThrowIfCancellationRequested();
            var run = reproduction.Runs[index];
            var runDirectory = new RunDirectory(Path.Combine(directory, run.Id));
            var resultFile = Path.Combine(runDirectory.Path, RunResultFileName);
            // a predecessor another process holds may only be under evaluation: its finished weights are all this run needs
            if (run.InitFrom is { } from && elsewhere.Contains(from) && !Trained(plans.Single(p => p.Run.Id == from), directory))
            {
                elsewhere.Add(run.Id);
                observer?.RunSkipped(run, index, count, $"it starts from '{from}', which another process holds");
                continue;
            }

            // a trainer outside any reproduction (bulwark train, an older build) takes the run's lock but no claim
            using var claim = runDirectory.TryClaim();
            if (claim is null || runDirectory.IsLocked)
            {
                elsewhere.Add(run.Id);
                observer?.RunSkipped(run, index, count, "another process holds it");
                continue;
            }

            // the plan as the directory records it now: another process may have trained or measured the run meanwhile
            var plan = plans[index];
            if (Reusable(plan, Recorded(plan, runDirectory), runDirectory, resultFile, reproduction.Evaluation) is { } reused)
            {
                results.Add(reused);
                observer?.RunFinished(reused, index, count, reused: true);
                continue;
            }

            var resuming = runDirectory.HasCheckpoint;
            observer?.RunStarting(run, index, count, resuming);
            var options = run.InitFrom is null
                ? run.Training
                : run.Training with { InitialWeights = new RunDirectory(Path.Combine(directory, run.InitFrom)).BestWeightsFile };
            var objective = Objectives.Create(run.Objective, run.Settings);
            using var owned = objective as IDisposable;
            var trainer = new Trainer(options, objective);
            TrainingResult Fit(IProgress<TrainingProgress>? progress) =>
                trainer.Fit(run.Model, train, null, runDirectory, resuming, progress, cancellation);
            var training = observer is null ? Fit(null) : observer.Train(run, Fit);
            var clock = Stopwatch.StartNew();
            using var model = runDirectory.LoadBestModel();
            var measured = Measure(new AttackModel(model), test, reproduction.Evaluation, run, observer, cancellation);
            measured = measured with
            {
                Epochs = training.Epochs,
                TrainSeconds = training.TrainSeconds,
                EvaluationSeconds = clock.Elapsed.TotalSeconds,
                Evaluation = reproduction.Evaluation,
            };
            AtomicFile.WriteAllText(resultFile, MetricsJson.Serialize(measured));
            results.Add(measured);
            observer?.RunFinished(measured, index, count, reused: false);
            ReproductionReport.Write(Summarise(reproduction, Gathered(reproduction, plans, results, directory)), directory);
        }

        var result = Summarise(reproduction, Gathered(reproduction, plans, results, directory));
        ReproductionReport.Write(result, directory);
        return result;
    }

    /// <summary>How <paramref name="plan"/> relates to the plan its directory records, or null when none is recorded.</summary>
    private static ReproductionRunPlan.Change? Recorded(ReproductionRunPlan plan, RunDirectory runDirectory) =>
        ReproductionRunPlan.Read(runDirectory.Path) is { } recorded ? plan.Against(recorded, runDirectory.Path) : null;

    /// <summary>Whether the directory of <paramref name="plan"/>'s run holds that plan's training, finished.</summary>
    private static bool Trained(ReproductionRunPlan plan, string directory)
    {
        var runDirectory = new RunDirectory(Path.Combine(directory, plan.Run.Id));
        try
        {
            return SameTraining(plan, runDirectory) && File.Exists(runDirectory.BestWeightsFile)
                && runDirectory.ReadCheckpointState() is { } state && plan.Run.Training.IsCompletedBy(state);
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>The measurements in <paramref name="resultFile"/> when it exists and was taken with <paramref name="evaluation"/>; otherwise null.</summary>
    private static ReproductionRunResult? MeasuredWith(string resultFile, ReproductionEvaluation evaluation) =>
        File.Exists(resultFile) && MetricsJson.Deserialize<ReproductionRunResult>(File.ReadAllText(resultFile)) is { Evaluation: { } measured } result
            && JsonDifferences.Between(measured, evaluation).Count == 0
            ? result
            : null;

    /// <summary>Whether the directory records <paramref name="plan"/>'s training, budget included; false when it records another.</summary>
    private static bool SameTraining(ReproductionRunPlan plan, RunDirectory runDirectory)
    {
        try
        {
            return Recorded(plan, runDirectory) == ReproductionRunPlan.Change.None;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// This invocation's measurements, and in the reproduction's order those of runs another process has measured with
    /// the same plan and evaluation (read only: nothing is recorded or deleted for them).
    /// </summary>
    private static List<ReproductionRunResult> Gathered(Reproduction reproduction,
        List<ReproductionRunPlan> plans, List<ReproductionRunResult> results, string directory)
    {
        var gathered = new List<ReproductionRunResult>();
        for (var index = 0; index < reproduction.Runs.Count; index++)
        {
            var run = reproduction.Runs[index];
            if (results.FirstOrDefault(r => r.Id == run.Id) is { } own)
            {
                gathered.Add(own);
                continue;
            }

            var runDirectory = new RunDirectory(Path.Combine(directory, run.Id));
            var resultFile = Path.Combine(runDirectory.Path, RunResultFileName);
            if (SameTraining(plans[index], runDirectory)
                && MeasuredWith(resultFile, reproduction.Evaluation) is { } result)
            {
                gathered.Add(result);
            }
        }

        return gathered;
    }

    /// <summary>
    /// Every run's plan, each checked against what its directory records before anything trains, so a run that cannot be
    /// reused fails the invocation at once rather than after its predecessors have trained for hours.
    /// </summary>
    /// <exception cref="InvalidOperationException">A directory holds its run trained otherwise, or without a recorded plan.</exception>
    private static List<ReproductionRunPlan> Plans(Reproduction reproduction, string directory)
    {
        var plans = new List<ReproductionRunPlan>();
        foreach (var run in reproduction.Runs)
        {
            var plan = new ReproductionRunPlan
            {
                Run = run,
                TrainSamples = reproduction.TrainSamples,
                StartsFrom = run.InitFrom is null ? null : plans.Single(p => p.Run.Id == run.InitFrom),
            };
            var runDirectory = new RunDirectory(Path.Combine(directory, run.Id));
            var recorded = ReproductionRunPlan.Read(runDirectory.Path);
            if (recorded is null && (runDirectory.HasCheckpoint || File.Exists(Path.Combine(runDirectory.Path, RunResultFileName))))
            {
                throw new InvalidOperationException(
                    $"{runDirectory.Path} holds the run '{run.Id}' but no {ReproductionRunPlan.FileName}, so what it was trained with is " +
                    "unknown; choose another --out or remove it");
            }

            if (recorded is not null)
            {
                // throws when the directory holds the run trained otherwise
                plan.Against(recorded, runDirectory.Path);
            }

            plans.Add(plan);
        }

        return plans;
    }

    /// <summary>
    /// The measurements of the run in <paramref name="runDirectory"/> when it was trained with its recorded plan
    /// (<paramref name="change"/> is none) and measured with <paramref name="evaluation"/>; otherwise null, after recording
    /// <paramref name="plan"/> (and dropping measurements a longer budget or another evaluation makes stale) so that the
    /// run trains, continues, or is measured again.
    /// </summary>
    private static ReproductionRunResult? Reusable(ReproductionRunPlan plan, ReproductionRunPlan.Change? change, RunDirectory runDirectory,
        string resultFile, ReproductionEvaluation evaluation)
    {
        if (change == ReproductionRunPlan.Change.None && MeasuredWith(resultFile, evaluation) is { } result)
        {
            return result;
        }

        // stale measurements go before the new plan is recorded, so an interruption cannot pair them with it
        if (File.Exists(resultFile))
        {
            File.Delete(resultFile);
        }

        plan.Write(runDirectory.Path);
        return null;
    }

    /// <summary>The paper's evaluation of one model (the <see cref="ReproductionEvaluation"/>), on the first test inputs.</summary>
    public static ReproductionRunResult Measure(AttackModel model, TensorDataset test, ReproductionEvaluation evaluation, ReproductionRun run,
        IReproductionObserver? observer = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(run);
        using var mode = model.EvaluationMode();
        var samples = Math.Min(evaluation.TestSamples, test.Count);
        using var subset = test.Take(samples);
        using var all = subset.All();
        var images = all.Images;
        var labels = all.Labels;
        observer?.Evaluating(run, "accuracy");
        using var correct = Predictions.Correct(model, images, labels);
        var accuracy = CleanAccuracy.FromMask(correct).Accuracy;

        double? rho = null, deepFoolSuccess = null;
        if (evaluation.DeepFool is { } deepFool)
        {
            observer?.Evaluating(run, "deepfool");
            var attack = new DeepFool(Norm.L2, deepFool);
            var parts = new List<RhoAdv>();
            foreach (var (start, length) in Batches(samples, evaluation.BatchSize))
            {
                cancellation.ThrowIfCancellationRequested();
                observer?.EvaluationProgress(run, "deepfool", start, samples);
                using var scope = TensorScope.Begin();
                var x = images.Narrow(0, start, length);
                var y = evaluation.DeepFoolOnPrediction ? Predictions.Of(model, x) : labels.Narrow(0, start, length);
                // attacking the prediction, every input counts: its own prediction is what DeepFool moves it off
                var counted = evaluation.DeepFoolOnPrediction ? Torch.Torch.Ones([length], DType.Bool) : correct.Narrow(0, start, length);
                using var result = attack.Run(model, x, new Misclassification(y), [], seed: (ulong)start);
                parts.Add(RhoAdv.From(result, x, counted));
            }

            observer?.EvaluationProgress(run, "deepfool", samples, samples);
            var combined = RhoAdv.Combine(parts);
            rho = evaluation.Rho == RhoConvention.OverAll ? combined.OverAll : combined.OverSuccessful;
            deepFoolSuccess = combined.Correct == 0 ? null : (double)combined.Successful / combined.Correct;
        }

        var fgsm = new List<double>();
        if (evaluation.FgsmEpsilons.Count > 0)
        {
            observer?.Evaluating(run, "fgsm");
            fgsm = AccuracyUnder(new FastGradientMethod(Norm.Linf), model, images, labels, correct,
                Math.Min(evaluation.FgsmSamples ?? samples, samples), evaluation.BatchSize, evaluation.FgsmEpsilons,
                (done, total) => observer?.EvaluationProgress(run, "fgsm", done, total), cancellation);
        }

        var jsma = new List<double>();
        foreach (var theta in evaluation.JsmaThetas)
        {
            var stage = string.Create(CultureInfo.InvariantCulture, $"jsma θ={theta}");
            observer?.Evaluating(run, stage);
            var attack = new JacobianSaliencyMap(new SaliencyMapOptions { MaxDistortion = evaluation.JsmaMaxDistortion, Theta = theta });
            jsma.Add(AccuracyUnder(attack, model, images, labels, correct, Math.Min(evaluation.JsmaSamples ?? samples, samples),
                evaluation.BatchSize, [], (done, total) => observer?.EvaluationProgress(run, stage, done, total), cancellation)[0]);
        }

        return new ReproductionRunResult
        {
            Id = run.Id,
            Label = run.Label,
            Accuracy = accuracy,
            Rho = rho,
            DeepFoolSuccessRate = deepFoolSuccess,
            FgsmEpsilons = evaluation.FgsmEpsilons.ToList(),
            FgsmAccuracy = fgsm,
            JsmaThetas = evaluation.JsmaThetas.ToList(),
            JsmaAccuracy = jsma,
        };
    }

    /// <summary>
    /// Accuracy under <paramref name="attack"/> on the first <paramref name="samples"/> inputs: the fraction classified
    /// correctly and not broken, per ε for a fixed-ε attack, or one value for a minimum-norm attack (no ε given).
    /// </summary>
    private static List<double> AccuracyUnder(Attack attack, AttackModel model, Tensor images, Tensor labels, Tensor correct, int samples,
        int batchSize, IReadOnlyList<double> epsilons, Action<int, int> progress, CancellationToken cancellation)
    {
        var columns = Math.Max(epsilons.Count, 1);
        var robust = new long[columns];
        foreach (var (start, length) in Batches(samples, batchSize))
        {
            cancellation.ThrowIfCancellationRequested();
            progress(start, samples);
            using var scope = TensorScope.Begin();
            var x = images.Narrow(0, start, length);
            var y = labels.Narrow(0, start, length);
            var isCorrect = HostValues.Mask(correct.Narrow(0, start, length), nameof(correct));
            using var result = attack.Run(model, x, new Misclassification(y), epsilons, seed: (ulong)start);
            var broken = epsilons.Count == 0
                ? [HostValues.Mask(result.RawSuccess, nameof(result))]
                : HostValues.MaskRows(result.Success, nameof(result), length);
            for (var e = 0; e < columns; e++)
            {
                robust[e] += isCorrect.Where((c, i) => c && !broken[e][i]).LongCount();
            }
        }

        progress(samples, samples);
        return robust.Select(r => samples == 0 ? double.NaN : (double)r / samples).ToList();
    }

    private static IEnumerable<(int Start, int Length)> Batches(int count, int batchSize)
    {
        for (var start = 0; start < count; start += batchSize)
        {
            yield return (start, Math.Min(batchSize, count - start));
        }
    }

    private static ReproductionResult Summarise(Reproduction reproduction, IReadOnlyList<ReproductionRunResult> results) => new()
    {
        Name = reproduction.Name,
        Title = reproduction.Title,
        Source = reproduction.Source,
        Quick = reproduction.Quick,
        TrainSamples = reproduction.TrainSamples,
        Evaluation = reproduction.Evaluation,
        Plan = reproduction.Runs,
        Results = results.ToList(),
        Paper = reproduction.Paper,
        Checks = ReproductionResult.Evaluate(reproduction.Checks, results),
        Warnings = ReproductionResult.Sanity(results),
        Overrides = reproduction.Overrides,
        Notes = reproduction.Notes,
        Updated = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
    };

    private static void Validate(Reproduction reproduction)
    {
        var ids = new HashSet<string>();
        foreach (var run in reproduction.Runs)
        {
            if (!ids.Add(run.Id))
            {
                throw new ArgumentException($"reproduction {reproduction.Name}: run id '{run.Id}' repeats");
            }

            if (run.InitFrom is { } from && !ids.Contains(from))
            {
                throw new ArgumentException($"reproduction {reproduction.Name}: run '{run.Id}' starts from '{from}', which is not an earlier run");
            }
        }
    }
}
