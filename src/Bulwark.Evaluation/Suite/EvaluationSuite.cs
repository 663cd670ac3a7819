using System.Diagnostics;
using System.Globalization;
using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// The standard robustness evaluation of one model on the first inputs of a test set, as a careful researcher runs
/// it (DESIGN §3, issue "attacks and evaluation"):
/// <list type="number">
/// <item>clean accuracy;</item>
/// <item>minimum-norm attacks — DeepFool ℓ∞ and ℓ2, C&amp;W ℓ2, DDN ℓ2 — with their norms, ρ_adv and robust accuracy
/// at the ε grid (their proposals clipped to each ε and re-predicted);</item>
/// <item>per norm, a fixed-ε ensemble under AutoAttack's rule (<see cref="AttackEnsemble"/>: APGD-CE then APGD-DLR)
/// at the dataset's ε grid
/// (<see cref="StandardEpsilons"/>), with the robust accuracy left after each member;</item>
/// <item>per norm, the worst case over every attack of that norm, input by input;</item>
/// <item>GNR (METHODS §1) and accuracy under Gaussian and uniform noise;</item>
/// <item>the <see cref="SanityChecks"/>, and a few clean / adversarial pairs from DDN for the report's image grid.</item>
/// </list>
/// Ground-truth labels; batch b of every attack is seeded with seed + b, so a run is reproducible.
/// <code>var report = EvaluationSuite.Run(new AttackModel(network), testSet, "mnist", new SuiteOptions { Samples = 200 });</code>
/// </summary>
public static class EvaluationSuite
{
    /// <summary>The suite's name in reports and on the command line.</summary>
    public const string Standard = "standard";

    /// <summary>
    /// Runs the standard suite on the first <see cref="SuiteOptions.Samples"/> inputs of <paramref name="test"/>.
    /// The report's <see cref="RobustnessReport.Run"/> is empty and its <see cref="RobustnessReport.Model"/> the
    /// network's type: callers that know better set them with <c>with</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Empty data, invalid options, or a dataset without a standard ε grid (and none given).</exception>
    public static RobustnessReport Run(AttackModel model, TensorDataset test, string dataset, SuiteOptions? options = null,
        IProgress<SuiteProgress>? progress = null, CancellationToken cancellation = default)
    {
        CheckArguments(model, test, dataset);
        options ??= new SuiteOptions();
        options.Validate();

        var linf = options.LinfEpsilons ?? StandardEpsilons.Linf(dataset);
        var l2 = options.L2Epsilons ?? StandardEpsilons.L2(dataset);
        var clock = Stopwatch.StartNew();
        using var subset = test.Take(options.Samples);
        using var all = subset.All();
        using var mode = model.EvaluationMode();
        var run = new SuiteRun(model, all.Images, all.Labels, options, progress, cancellation);
        return run.Execute(dataset, linf, l2, clock);
    }

    /// <summary>The checks every suite's <c>Run</c> makes first.</summary>
    internal static void CheckArguments(AttackModel model, TensorDataset test, string dataset)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(dataset);
        if (test.Count == 0)
        {
            throw new ArgumentException("the test set is empty", nameof(test));
        }
    }

    /// <summary>
    /// The fixed-ε ensemble of the suite in <paramref name="norm"/>: APGD-CE then APGD-DLR (Croce &amp; Hein's AutoAttack
    /// without its targeted and black-box members), each running <paramref name="steps"/> iterations.
    /// </summary>
    public static AttackEnsemble FixedEpsilonEnsemble(Norm norm, int steps)
    {
        ArgumentNullException.ThrowIfNull(norm);
        return new AttackEnsemble(
            new AutoProjectedGradientDescent(norm, new ApgdOptions { Steps = steps, Loss = ApgdLoss.CrossEntropy }),
            new AutoProjectedGradientDescent(norm, new ApgdOptions { Steps = steps, Loss = ApgdLoss.DifferenceOfLogitsRatio }));
    }

    /// <summary>Report names of an ensemble's members (PGD's two losses share the name "pgd").</summary>
    internal static string[] MemberLabels(AttackEnsemble ensemble) =>
        ensemble.Members.Select(m => m is ProjectedGradientDescent pgd
            ? $"pgd-{(pgd.Options.Loss == PgdLoss.Margin ? "margin" : "ce")}"
            : m.Name).ToArray();

    /// <summary>One attack of the plan: its report name, and whether the image grid takes its proposals.</summary>
    private sealed record Planned(string Label, Attack Attack, IReadOnlyList<double> Epsilons, bool ExampleSource = false, bool BlackBox = false);

    /// <summary>What one planned attack produced over all batches.</summary>
    private sealed class Outcome(Planned plan)
    {
        public Planned Plan { get; } = plan;
        public List<bool[]> Success { get; } = plan.Epsilons.Select(_ => Array.Empty<bool>()).ToList();
        public List<double> Norms { get; } = [];
        public List<RhoAdv> Rho { get; } = [];
        public List<int[]> BrokenBy { get; } = plan.Epsilons.Select(_ => Array.Empty<int>()).ToList();
        public long[] MemberGradients { get; set; } = [];
        public double[] MemberSeconds { get; set; } = [];
        public int[][] MemberAttempted { get; set; } = [];
        public long Gradients { get; set; }
        public double Seconds { get; set; }
    }

    private sealed class SuiteRun(AttackModel model, Tensor images, Tensor labels, SuiteOptions options,
        IProgress<SuiteProgress>? progress, CancellationToken cancellation)
    {
        private readonly int n = (int)images.Size(0);
        private bool[] correct = [];
        private long[] cleanPredictions = [];
        private int stage;
        private int stages;
        private Tensor? exampleProposals;
        private bool[] exampleSuccess = [];

        public RobustnessReport Execute(string dataset, IReadOnlyList<double> linf, IReadOnlyList<double> l2, Stopwatch clock)
        {
            var linfEnsemble = FixedEpsilonEnsemble(Norm.Linf, options.FixedEpsilonSteps);
            var l2Ensemble = FixedEpsilonEnsemble(Norm.L2, options.FixedEpsilonSteps);
            var plan = new List<Planned>
            {
                new("deepfool", new DeepFool(Norm.Linf, options.DeepFool), linf),
                new(linfEnsemble.Name, linfEnsemble, linf),
                new("deepfool", new DeepFool(Norm.L2, options.DeepFool), l2),
                new("cw", new CarliniWagnerL2(options.CarliniWagner), l2),
                new("ddn", new DecoupledDirectionNorm(options.Ddn), l2, ExampleSource: true),
            };
            if (options.NoiseAttack is { } noise)
            {
                plan.Add(new(noise.Distribution == NoiseDistribution.Gaussian ? "gaussian-noise" : "uniform-noise", new AdditiveNoise(noise), l2, BlackBox: true));
            }

            plan.Add(new(l2Ensemble.Name, l2Ensemble, l2));
            stages = 1 + plan.Count + 1 + (options.Gnr is null ? 0 : 1) + (options.NoiseSigmas.Count > 0 ? 1 : 0);

            Stage("clean accuracy", 1, () =>
            {
                using var predictions = Predictions.Of(model, images);
                cleanPredictions = predictions.ToArray<long>();
                var truth = labels.ToArray<long>();
                correct = cleanPredictions.Select((p, i) => p == truth[i]).ToArray();
                return 1;
            });
            var cleanAccuracy = correct.Count(c => c) / (double)n;

            var outcomes = new List<Outcome>();
            try
            {
                foreach (var planned in plan)
                {
                    outcomes.Add(RunAttack(planned));
                }

                var reports = outcomes.Select(Report).ToList();
                var worst = new[] { Norm.Linf, Norm.L2 }.Select(norm => WorstCase(norm, outcomes.Where(o => o.Plan.Attack.Norm == norm).ToList())).ToList();
                var warnings = new List<SanityWarning>();
                Stage("sanity checks", 3, () =>
                {
                    warnings.AddRange(Sanity(reports, worst, outcomes, cleanAccuracy, linfEnsemble, l2Ensemble));
                    return 3;
                });

                GaussianNoiseRobustness? gnr = null;
                if (options.Gnr is { } gnrOptions)
                {
                    Stage("gnr", 1, () =>
                    {
                        gnr = GaussianNoiseRobustness.Measure(model, images, gnrOptions);
                        return 1;
                    });
                }

                var noiseAccuracy = new List<NoiseAccuracy>();
                if (options.NoiseSigmas.Count > 0)
                {
                    Stage("noise accuracy", 2, () =>
                    {
                        noiseAccuracy.Add(NoiseAccuracy.Measure(model, images, labels, NoiseDistribution.Gaussian, options.NoiseSigmas, options.Seed));
                        noiseAccuracy.Add(NoiseAccuracy.Measure(model, images, labels, NoiseDistribution.Uniform, options.NoiseSigmas, options.Seed));
                        return 2;
                    });
                }

                return new RobustnessReport
                {
                    Suite = Standard,
                    Run = "",
                    Model = model.Network.GetType().Name,
                    Dataset = dataset,
                    Samples = n,
                    CleanAccuracy = cleanAccuracy,
                    Seed = options.Seed,
                    Created = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    Seconds = clock.Elapsed.TotalSeconds,
                    Attacks = reports,
                    WorstCase = worst,
                    Gnr = gnr,
                    Noise = noiseAccuracy,
                    Warnings = warnings,
                    Examples = Examples(plan.First(p => p.ExampleSource)),
                };
            }
            finally
            {
                exampleProposals?.Dispose();
            }
        }

        private void Stage(string name, int total, Func<int> work)
        {
            cancellation.ThrowIfCancellationRequested();
            progress?.Report(new SuiteProgress(name, stage, stages, 0, total));
            var done = work();
            progress?.Report(new SuiteProgress(name, stage, stages, done, total));
            stage++;
        }

        private Outcome RunAttack(Planned plan)
        {
            var outcome = new Outcome(plan);
            var name = $"{plan.Label} ({plan.Attack.Norm})";
            var parts = new List<Tensor>();
            var rawSuccess = new List<bool>();
            var epsilons = plan.Epsilons;
            var members = plan.Attack is AttackEnsemble ensemble ? ensemble.Members.Count : 0;
            outcome.MemberGradients = new long[members];
            outcome.MemberSeconds = new double[members];
            outcome.MemberAttempted = Enumerable.Range(0, members).Select(_ => new int[epsilons.Count]).ToArray();
            progress?.Report(new SuiteProgress(name, stage, stages, 0, n));
            var batchIndex = 0;
            try
            {
                for (var start = 0; start < n; start += options.BatchSize, batchIndex++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    using var scope = TensorScope.Begin();
                    var count = Math.Min(options.BatchSize, n - start);
                    var x = images.Narrow(0, start, count);
                    var y = labels.Narrow(0, start, count);
                    using var result = plan.Attack.Run(model, x, new Misclassification(y), epsilons, options.Seed + (ulong)batchIndex);
                    var success = result.Success.ToArray<bool>();
                    for (var e = 0; e < epsilons.Count; e++)
                    {
                        outcome.Success[e] = [.. outcome.Success[e], .. success.AsSpan(e * count, count)];
                    }

                    outcome.Norms.AddRange(HostValues.Doubles(result.Norms, "norms", count));
                    outcome.Gradients += result.GradientEvaluations;
                    outcome.Seconds += result.Elapsed.TotalSeconds;
                    if (plan.Attack is MinimumNormAttack)
                    {
                        var batchCorrect = Torch.Torch.FromArray(correct.AsSpan(start, count).ToArray(), count);
                        outcome.Rho.Add(RhoAdv.From(result, x, batchCorrect));
                    }

                    if (result.Breakdown is { } breakdown)
                    {
                        for (var e = 0; e < epsilons.Count; e++)
                        {
                            outcome.BrokenBy[e] = [.. outcome.BrokenBy[e], .. breakdown.BrokenBy[e]];
                        }

                        for (var m = 0; m < members; m++)
                        {
                            outcome.MemberGradients[m] += breakdown.Members[m].GradientEvaluations;
                            outcome.MemberSeconds[m] += breakdown.Members[m].Elapsed.TotalSeconds;
                            for (var e = 0; e < epsilons.Count; e++)
                            {
                                outcome.MemberAttempted[m][e] += breakdown.Members[m].Attempted[e];
                            }
                        }
                    }

                    if (plan.ExampleSource)
                    {
                        parts.Add(scope.Release(result.Raw[0].Clone()));
                        rawSuccess.AddRange(result.RawSuccess.ToArray<bool>());
                    }

                    progress?.Report(new SuiteProgress(name, stage, stages, start + count, n));
                }

                if (plan.ExampleSource)
                {
                    using var scope = TensorScope.Begin();
                    exampleProposals = scope.Release(Torch.Torch.Cat(parts));
                    exampleSuccess = [.. rawSuccess];
                }
            }
            finally
            {
                parts.ForEach(p => p.Dispose());
            }

            stage++;
            return outcome;
        }

        private AttackReport Report(Outcome outcome)
        {
            var plan = outcome.Plan;
            var minimumNorm = plan.Attack is MinimumNormAttack;
            var robust = outcome.Success.Select(row => Robust(row)).ToArray();
            var brokenCorrect = minimumNorm
                ? Enumerable.Range(0, n).Count(i => correct[i] && double.IsFinite(outcome.Norms[i]))
                : Enumerable.Range(0, n).Count(i => correct[i] && outcome.Success.Any(row => row[i]));
            var norms = minimumNorm
                ? Enumerable.Range(0, n).Where(i => correct[i] && double.IsFinite(outcome.Norms[i])).Select(i => outcome.Norms[i]).ToArray()
                : [];
            var statistics = MinimumNormStatistics.OfFinite(norms);
            var rho = minimumNorm && outcome.Rho.Count > 0 ? RhoAdv.Combine(outcome.Rho) : null;
            var members = new List<EnsembleMemberReport>();
            if (plan.Attack is AttackEnsemble ensemble)
            {
                var labels = MemberLabels(ensemble);
                for (var m = 0; m < labels.Length; m++)
                {
                    var member = m;
                    members.Add(new EnsembleMemberReport
                    {
                        Attack = labels[m],
                        RobustAccuracy = outcome.BrokenBy.Select(row =>
                            Enumerable.Range(0, n).Count(i => correct[i] && (row[i] == EnsembleBreakdown.NotBroken || row[i] > member)) / (double)n).ToArray(),
                        Attempted = outcome.MemberAttempted[m],
                        GradientEvaluations = outcome.MemberGradients[m],
                        Seconds = outcome.MemberSeconds[m],
                    });
                }
            }

            return new AttackReport
            {
                Attack = plan.Attack is AttackEnsemble e ? string.Join("+", MemberLabels(e)) : plan.Label,
                Norm = plan.Attack.Norm.Name,
                Kind = minimumNorm ? "minimum-norm" : "fixed-epsilon",
                Epsilons = plan.Epsilons.ToArray(),
                RobustAccuracy = robust,
                SuccessRate = brokenCorrect / (double)Math.Max(1, correct.Count(c => c)),
                MeanNorm = statistics.Mean,
                MedianNorm = statistics.Median,
                RhoAdversarial = rho?.OverSuccessful,
                RhoAdversarialAll = rho?.OverAll,
                Norms = norms,
                GradientEvaluations = outcome.Gradients,
                Seconds = outcome.Seconds,
                Members = members,
            };
        }

        private WorstCaseReport WorstCase(Norm norm, List<Outcome> outcomes)
        {
            var epsilons = outcomes[0].Plan.Epsilons;
            var robust = Enumerable.Range(0, epsilons.Count)
                .Select(e => Robust(Enumerable.Range(0, n).Select(i => outcomes.Any(o => o.Success[e][i])).ToArray())).ToArray();
            return new WorstCaseReport
            {
                Norm = norm.Name,
                Epsilons = epsilons.ToArray(),
                RobustAccuracy = robust,
                Attacks = outcomes.Select(o => o.Plan.Attack is AttackEnsemble e ? string.Join("+", MemberLabels(e)) : o.Plan.Label).ToArray(),
            };
        }

        private IEnumerable<SanityWarning> Sanity(List<AttackReport> reports, List<WorstCaseReport> worst, List<Outcome> outcomes,
            double cleanAccuracy, AttackEnsemble linfEnsemble, AttackEnsemble l2Ensemble)
        {
            var warnings = new List<SanityWarning>();
            foreach (var report in reports)
            {
                var name = $"{report.Attack} ({report.Norm})";
                warnings.AddRange(SanityChecks.EpsilonZero(name, report.Epsilons, report.RobustAccuracy, cleanAccuracy));
                warnings.AddRange(SanityChecks.Monotonic(name, report.Epsilons, report.RobustAccuracy));
            }

            foreach (var curve in worst)
            {
                warnings.AddRange(SanityChecks.Monotonic($"worst case ({curve.Norm})", curve.Epsilons, curve.RobustAccuracy));
            }

            warnings.AddRange(SanityChecks.Gradients(model, images, labels));
            if (options.UnboundedCheckSamples > 0)
            {
                var count = Math.Min(options.UnboundedCheckSamples, n);
                using var scope = TensorScope.Begin();
                foreach (var ensemble in new[] { linfEnsemble, l2Ensemble })
                {
                    if (ensemble.Members[0] is FixedEpsilonAttack first)
                    {
                        warnings.AddRange(SanityChecks.Unbounded(first, model, images.Narrow(0, 0, count), labels.Narrow(0, 0, count), options.Seed));
                    }
                }
            }

            foreach (var blackBox in outcomes.Where(o => o.Plan.BlackBox))
            {
                var gradientOutcomes = outcomes.Where(o => !o.Plan.BlackBox && o.Plan.Attack.Norm == blackBox.Plan.Attack.Norm).ToList();
                if (gradientOutcomes.Count == 0)
                {
                    continue;
                }

                var gradientWorst = WorstCase(blackBox.Plan.Attack.Norm, gradientOutcomes);
                var noiseCurve = blackBox.Success.Select(row => Robust(row)).ToArray();
                warnings.AddRange(SanityChecks.NoiseBeatsGradient(blackBox.Plan.Label, blackBox.Plan.Epsilons, noiseCurve, gradientWorst.RobustAccuracy));
            }

            return warnings;
        }

        private IReadOnlyList<AdversarialExample> Examples(Planned source)
        {
            if (options.Examples == 0 || exampleProposals is null)
            {
                return [];
            }

            var preferred = Enumerable.Range(0, n).Where(i => correct[i] && exampleSuccess[i]);
            var rest = Enumerable.Range(0, n).Where(i => !(correct[i] && exampleSuccess[i]));
            var chosen = preferred.Concat(rest).Take(options.Examples).ToArray();
            using var scope = TensorScope.Begin();
            var index = Torch.Torch.FromArray(chosen.Select(i => (long)i).ToArray(), chosen.Length);
            var clean = images.IndexSelect(0, index);
            var adversarial = exampleProposals.IndexSelect(0, index);
            var adversarialPredictions = Predictions.Of(model, adversarial).ToArray<long>();
            var perturbation = HostValues.Doubles(source.Attack.Norm.Measure(adversarial.Sub(clean)), "perturbation", chosen.Length);
            var truth = labels.ToArray<long>();
            var shape = images.Shape.Skip(1).Select(d => (int)d).ToArray();
            var size = shape.Aggregate(1, (a, b) => a * b);
            var cleanValues = clean.Float().Contiguous().ToArray<float>();
            var adversarialValues = adversarial.Float().Contiguous().ToArray<float>();
            return chosen.Select((input, k) => new AdversarialExample
            {
                Index = input,
                Attack = source.Label,
                Norm = source.Attack.Norm.Name,
                Label = (int)truth[input],
                CleanPrediction = (int)cleanPredictions[input],
                AdversarialPrediction = (int)adversarialPredictions[k],
                PerturbationNorm = perturbation[k],
                Shape = shape,
                Clean = cleanValues.AsSpan(k * size, size).ToArray(),
                Adversarial = adversarialValues.AsSpan(k * size, size).ToArray(),
            }).ToArray();
        }

        /// <summary>Fraction of all inputs correct and not broken.</summary>
        private double Robust(bool[] broken) => Enumerable.Range(0, n).Count(i => correct[i] && !broken[i]) / (double)n;
    }
}
