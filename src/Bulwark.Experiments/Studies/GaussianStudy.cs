using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Bulwark.Torch.Serialization;

namespace Bulwark.Experiments;

/// <summary>
/// The moment-regularizer paper's study (Figures 2–3 of the ICLR version): the baseline (cross-entropy, σ = 0), the
/// regularizer for every (σ, α) and noise augmentation for every (folds, σ ≤ 1), each trained with the same protocol and
/// seed, then measured on the test images (accuracy, GNR, training time), and the fair comparison of the methods.
/// <para>
/// The study directory holds one trainer run directory per grid point, named after it, with a <c>study-result.json</c>
/// once measured; and <c>study.json</c>, <c>study.md</c>, <c>study.html</c>, rewritten after every run. It is
/// resumable: started again, a study reuses every measured run, continues an interrupted one from its last
/// checkpoint, and trains the rest. A grid with other σ, α or folds in the same directory extends it (runs outside the
/// grid stay on disk, unreported); other <see cref="GaussianStudySettings"/> (model, protocol, seed, images, GNR
/// settings) are refused with an <see cref="InvalidOperationException"/> naming what differs.
/// </para>
/// <code>
/// var options = new GaussianStudyOptions { Model = MomentPaperProtocol.Spec("gnm-lenet", "mnist", train), Protocol = MomentPaperProtocol.For("gnm-lenet") };
/// var study = GaussianStudy.Run(options, train, test, "studies/gaussian-mnist-gnm-lenet");   // study.Comparison
/// </code>
/// </summary>
public static class GaussianStudy
{
    public const string JsonFileName = "study.json";

    public const string MarkdownFileName = "study.md";

    public const string HtmlFileName = "study.html";

    /// <summary>The measured result of one run, inside its run directory.</summary>
    public const string RunResultFileName = "study-result.json";

    /// <summary>
    /// The grid, in the order it is trained: the baseline, the regularizer for each σ and then each α, augmentation
    /// for each fold count and then each σ ≤ <see cref="GaussianStudyOptions.MaxAugmentationSigma"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A σ or α is not positive and finite, a fold count is below 1, or a list repeats a value.</exception>
    public static IReadOnlyList<StudyRun> Grid(GaussianStudyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequirePositive(options.Sigmas, "σ", "σ = 0 is the baseline, which always runs");
        RequirePositive(options.Alphas, "α", "α = 0 is plain cross-entropy, the baseline");
        ArgumentNullException.ThrowIfNull(options.AugmentationFolds);
        if (options.AugmentationFolds.Any(n => n < 1))
        {
            throw new ArgumentException($"augmentation folds = {options.AugmentationFolds.First(n => n < 1)}: each must be at least 1 (noisy copies per epoch)");
        }

        RequireDistinct(options.AugmentationFolds.Select(n => (double)n).ToList(), "augmentation folds");
        var grid = new List<StudyRun> { StudyRun.Baseline };
        grid.AddRange(from sigma in options.Sigmas from alpha in options.Alphas select StudyRun.Regularizer(sigma, alpha));
        grid.AddRange(from folds in options.AugmentationFolds
                      from sigma in options.Sigmas
                      where sigma <= options.MaxAugmentationSigma
                      select StudyRun.Augmentation(folds, sigma));
        return grid;
    }

    /// <summary>
    /// Runs (or resumes, or extends) the study in <paramref name="directory"/>: trains every grid point not measured
    /// yet on <paramref name="train"/>, measures accuracy and GNR on <paramref name="test"/>, writes the reports.
    /// </summary>
    /// <exception cref="InvalidOperationException">The directory holds a study made with other settings, or runs without a study.json.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired; run the same study again to resume.</exception>
    public static GaussianStudyResult Run(GaussianStudyOptions options, TensorDataset train, TensorDataset test, string directory,
        IStudyObserver? observer = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var grid = Grid(options);
        FairComparison.CheckTolerance(options.Tolerance, nameof(options));

        var full = Path.GetFullPath(directory);
        var settings = new GaussianStudySettings
        {
            Dataset = options.Dataset,
            Model = options.Model,
            Protocol = options.Protocol with { Augmentation = null, Dataset = options.Dataset },
            TrainImages = train.Count,
            TestImages = test.Count,
            Gnr = options.ResolvedGnr,
        };
        CheckSettings(full, settings, grid);

        var results = new List<StudyRunResult>();
        var record = Record(options, settings, grid, results);
        GaussianStudyReport.Write(record, full);
        for (var index = 0; index < grid.Count; index++)
        {
            cancellation.ThrowIfCancellationRequested();
            var run = grid[index];
            var runDirectory = new RunDirectory(Path.Combine(full, run.Name));
            var resultFile = Path.Combine(runDirectory.Path, RunResultFileName);
            var reused = File.Exists(resultFile);
            StudyRunResult result;
            if (reused)
            {
                result = MetricsJson.Deserialize<StudyRunResult>(File.ReadAllText(resultFile));
            }
            else
            {
                observer?.RunStarting(run, index, grid.Count, runDirectory.HasCheckpoint);
                result = TrainAndMeasure(options, settings, run, train, test, runDirectory, observer, cancellation);
                AtomicFile.WriteAllText(resultFile, MetricsJson.Serialize(result));
            }

            results.Add(result);
            record = Record(options, settings, grid, results);
            GaussianStudyReport.Write(record, full);
            observer?.RunFinished(result, index, grid.Count, reused);
        }

        return record;
    }

    private static StudyRunResult TrainAndMeasure(GaussianStudyOptions options, GaussianStudySettings settings, StudyRun run,
        TensorDataset train, TensorDataset test, RunDirectory runDirectory, IStudyObserver? observer, CancellationToken cancellation)
    {
        var protocol = settings.Protocol with
        {
            Augmentation = run.Method == StudyMethod.Augmentation
                ? new GaussianAugmentation { Folds = run.Folds!.Value, Sigma = run.Sigma }
                : null,
        };
        ITrainingObjective objective = run.Method == StudyMethod.Regularizer
            ? new GaussianMomentRegularizer(run.Sigma, run.Alpha!.Value)
            : new CrossEntropyObjective();
        TrainingResult training;
        try
        {
            var trainer = new Trainer(protocol, objective);
            TrainingResult Fit(IProgress<TrainingProgress>? progress) =>
                trainer.Fit(options.Model, train, test, runDirectory, resume: true, progress, cancellation);
            training = observer is null ? Fit(null) : observer.Train(run, Fit);
        }
        finally
        {
            (objective as IDisposable)?.Dispose();
        }

        cancellation.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        using var model = runDirectory.LoadBestModel();
        var robustness = GaussianNoiseRobustness.Measure(new AttackModel(model), test, settings.Gnr);
        return new StudyRunResult
        {
            Run = run,
            TestAccuracy = training.TestAccuracy ?? double.NaN,
            Robustness = robustness,
            Epochs = training.Epochs,
            BestEpoch = training.BestEpoch,
            StoppedEarly = training.StoppedEarly,
            TrainSeconds = training.TrainSeconds,
            EvaluationSeconds = clock.Elapsed.TotalSeconds,
            RunDirectory = run.Name,
        };
    }

    private static GaussianStudyResult Record(GaussianStudyOptions options, GaussianStudySettings settings, IReadOnlyList<StudyRun> grid,
        List<StudyRunResult> results) => new()
    {
        Settings = settings,
        Sigmas = options.Sigmas,
        Alphas = options.Alphas,
        AugmentationFolds = options.AugmentationFolds,
        MaxAugmentationSigma = options.MaxAugmentationSigma,
        Quick = options.Quick,
        Grid = grid,
        Runs = [.. results],
        Comparison = results.Any(r => r.Run.Method == StudyMethod.Baseline) ? FairComparison.Of(results, options.Tolerance) : null,
        Updated = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };

    /// <summary>Refuses a directory whose study.json records other settings, or that holds grid runs but no study.json.</summary>
    private static void CheckSettings(string directory, GaussianStudySettings settings, IReadOnlyList<StudyRun> grid)
    {
        var file = Path.Combine(directory, JsonFileName);
        if (!File.Exists(file))
        {
            if (grid.FirstOrDefault(run => Directory.Exists(Path.Combine(directory, run.Name))) is { } stray)
            {
                throw new InvalidOperationException(
                    $"{directory} holds the run '{stray.Name}' but no {JsonFileName}, so its settings are unknown; choose another --out or remove it");
            }

            return;
        }

        JsonNode? recorded;
        try
        {
            recorded = JsonNode.Parse(File.ReadAllText(file))?["settings"];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not a study record ({e.Message})", e);
        }

        var differing = JsonDifferences.Between(recorded, JsonNode.Parse(MetricsJson.Serialize(settings)));
        if (differing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{directory} holds a study made with other settings ({string.Join(", ", differing)} {(differing.Count == 1 ? "differs" : "differ")}; see {file}); " +
                "run it with the settings it was made with, or choose another --out");
        }
    }

    private static void RequirePositive(IReadOnlyList<double> values, string name, string why)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values)
        {
            if (!(value > 0) || double.IsInfinity(value))
            {
                throw new ArgumentException($"{name} = {value.ToString(CultureInfo.InvariantCulture)}: each {name} must be positive and finite ({why})");
            }
        }

        RequireDistinct(values, name);
    }

    private static void RequireDistinct(IReadOnlyList<double> values, string name)
    {
        var repeated = values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw new ArgumentException($"{name} = {repeated.Key.ToString(CultureInfo.InvariantCulture)} is listed twice");
        }
    }
}
