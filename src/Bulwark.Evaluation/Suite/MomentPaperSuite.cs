using System.Diagnostics;
using System.Globalization;
using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// Table 4 of the moment-regularizer paper (Alfadly, Bibi, Ghanem, "Analytical moment regularizer for Gaussian robust
/// networks", appendix D) for one model, on the first 400 test inputs:
/// <list type="number">
/// <item>per attack — PGD, L-BFGS, FGSM, additive Gaussian noise (AGA), additive uniform noise (AUA), DeepFool ℓ2
/// (DF2), each as a minimum-perturbation attack — the mean and median energy ‖δ‖₂²/n (Foolbox 1.x's
/// MeanSquaredDistance, n the number of input values) of the smallest perturbation found that changes the prediction,
/// and the attack's success rate;</item>
/// <item>GNR (METHODS §1) and the accuracy on the same inputs.</item>
/// </list>
/// PGD and FGSM search the smallest ℓ∞ ε that breaks each input (<see cref="MinimumEpsilonSearch"/>); their energy is
/// that of the perturbation they found, not ε². The attacks run with the ground-truth labels, as Foolbox does, so for an
/// input classified correctly "changes the prediction" is "misclassifies". Inputs the model already misclassifies are
/// not attacked and are left out of the energies (Foolbox 1.x reports a zero perturbation for them, which would pull the
/// mean down by the error rate); the success rate is over the inputs classified correctly.
/// Attacks work in the box of the <see cref="AttackModel"/>: the paper's models take x − 0.5 through a Standardize
/// layer with std 1 inside the network, so they are attacked in [0, 1] pixel space, where energies equal those in the
/// network's input space. Batch b of every attack is seeded with seed + b.
/// <code>var report = MomentPaperSuite.Run(new AttackModel(network), testSet, "mnist");   // report.MomentPaper</code>
/// </summary>
public static class MomentPaperSuite
{
    /// <summary>The suite's name in reports and on the command line.</summary>
    public const string Name = "moment-paper";

    /// <summary>
    /// Runs the suite on the first <see cref="MomentPaperOptions.Samples"/> inputs of <paramref name="test"/>. The
    /// report's <see cref="RobustnessReport.Run"/> is empty and its <see cref="RobustnessReport.Model"/> the network's
    /// type: callers that know better set them with <c>with</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Empty data or invalid options.</exception>
    public static RobustnessReport Run(AttackModel model, TensorDataset test, string dataset, MomentPaperOptions? options = null,
        IProgress<SuiteProgress>? progress = null, CancellationToken cancellation = default)
    {
        EvaluationSuite.CheckArguments(model, test, dataset);
        options ??= new MomentPaperOptions();
        options.Validate();

        var clock = Stopwatch.StartNew();
        using var subset = test.Take(options.Samples);
        using var all = subset.All();
        using var mode = model.EvaluationMode();
        var images = all.Images;
        var labels = all.Labels;
        var n = (int)images.Size(0);
        var columns = Columns(options);
        var stages = columns.Count + 2;
        bool[] correct;
        using (var mask = Predictions.Correct(model, images, labels))
        {
            correct = HostValues.Mask(mask, nameof(test));
        }

        var reports = new List<EnergyReport>();
        for (var c = 0; c < columns.Count; c++)
        {
            reports.Add(RunColumn(columns[c].Column, columns[c].Attack, model, images, labels, correct, options, (c, stages), progress, cancellation));
        }

        cancellation.ThrowIfCancellationRequested();
        progress?.Report(new SuiteProgress("gnr", columns.Count, stages, 0, 1));
        var gnr = GaussianNoiseRobustness.Measure(model, images, options.Gnr);
        progress?.Report(new SuiteProgress("gnr", columns.Count, stages, 1, 1));
        progress?.Report(new SuiteProgress("sanity checks", columns.Count + 1, stages, 0, 1));
        var warnings = SanityChecks.Gradients(model, images, labels);
        progress?.Report(new SuiteProgress("sanity checks", columns.Count + 1, stages, 1, 1));
        return new RobustnessReport
        {
            Suite = Name,
            Run = "",
            Model = model.Network.GetType().Name,
            Dataset = dataset,
            Samples = n,
            CleanAccuracy = correct.Count(c => c) / (double)n,
            Seed = options.Seed,
            Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Seconds = clock.Elapsed.TotalSeconds,
            Gnr = gnr,
            Warnings = warnings,
            MomentPaper = new MomentPaperTable { Attacks = reports, Correct = correct.Count(c => c) },
        };
    }

    /// <summary>
    /// The energy ‖δ‖₂²/n of each input's proposal in <paramref name="result"/> (a minimum-norm attack's run on
    /// <paramref name="inputs"/> [N, ...]): float64 [N], +∞ where the proposal does not meet the criterion.
    /// </summary>
    /// <exception cref="ArgumentException">The result is not of a minimum-norm attack, or not of these inputs.</exception>
    public static Tensor Energies(AttackResult result, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(inputs);
        if (result.Raw.Count != 1 || !result.Raw[0].Shape.SequenceEqual(inputs.Shape))
        {
            throw new ArgumentException(
                $"energies need one proposal per input of shape [{string.Join(", ", inputs.Shape)}], as a minimum-norm attack gives", nameof(result));
        }

        using var scope = TensorScope.Begin();
        var energy = result.Raw[0].Sub(inputs).Double().Square().Flatten(1).Mean(1);
        return scope.Keep(Torch.Torch.Where(result.RawSuccess, energy, Torch.Torch.FullLike(energy, double.PositiveInfinity)));
    }

    /// <summary>The six attacks in the paper's column order, with its column names.</summary>
    internal static IReadOnlyList<(string Column, MinimumNormAttack Attack)> Columns(MomentPaperOptions options) =>
    [
        ("PGD", new ProjectedGradientDescent(Norm.Linf, options.Pgd).MinimizeEpsilon(options.MaxEpsilon, options.PgdEpsilonSteps)),
        ("LBFGS", new LimitedMemoryBfgs(options.Lbfgs)),
        ("FGSM", new FastGradientMethod(Norm.Linf).MinimizeEpsilon(options.MaxEpsilon, options.FgsmEpsilonSteps)),
        ("AGA", new AdditiveNoise(options.Noise with { Distribution = NoiseDistribution.Gaussian })),
        ("AUA", new AdditiveNoise(options.Noise with { Distribution = NoiseDistribution.Uniform })),
        ("DF2", new DeepFool(Norm.L2, options.DeepFool)),
    ];

    private static EnergyReport RunColumn(string column, MinimumNormAttack attack, AttackModel model, Tensor images, Tensor labels,
        bool[] correct, MomentPaperOptions options, (int Index, int Count) stage, IProgress<SuiteProgress>? progress,
        CancellationToken cancellation)
    {
        var n = correct.Length;
        var name = $"{column}: {attack.Name} ({attack.Norm})";
        var energies = new List<double>(n);
        long gradients = 0;
        var seconds = 0.0;
        progress?.Report(new SuiteProgress(name, stage.Index, stage.Count, 0, n));
        for (int start = 0, batch = 0; start < n; start += options.BatchSize, batch++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = TensorScope.Begin();
            var count = Math.Min(options.BatchSize, n - start);
            var x = images.Narrow(0, start, count);
            using var result = attack.Run(model, x, new Misclassification(labels.Narrow(0, start, count)), options.Seed + (ulong)batch);
            energies.AddRange(HostValues.Doubles(Energies(result, x), "energies", count));
            gradients += result.GradientEvaluations;
            seconds += result.Elapsed.TotalSeconds;
            progress?.Report(new SuiteProgress(name, stage.Index, stage.Count, start + count, n));
        }

        var broken = energies.Where((energy, i) => correct[i] && double.IsFinite(energy)).ToArray();
        var statistics = MinimumNormStatistics.OfFinite(broken);
        return new EnergyReport
        {
            Column = column,
            Attack = attack.Name,
            Norm = attack.Norm.Name,
            SuccessRate = broken.Length / (double)Math.Max(1, correct.Count(c => c)),
            MeanEnergy = statistics.Mean,
            MedianEnergy = statistics.Median,
            Energies = broken,
            GradientEvaluations = gradients,
            Seconds = seconds,
        };
    }
}
