using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.TestKit;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Evaluation.Tests;

/// <summary>The standard suite, shrunk, on a seeded linear classifier of 8×8 images: one run serves every test.</summary>
public sealed class EvaluationSuiteTests(EvaluationSuiteTests.SuiteRun fixture) : IClassFixture<EvaluationSuiteTests.SuiteRun>
{
    [Fact]
    public void Should_have_a_worst_case_no_higher_than_any_attack_of_its_norm_When_the_suite_runs()
    {
        var report = fixture.Report;
        report.WorstCase.Select(w => w.Norm).ShouldBe(["linf", "l2"]);
        foreach (var worst in report.WorstCase)
        {
            worst.RobustAccuracy[0].ShouldBe(report.CleanAccuracy, "ε = 0 is the clean accuracy");
            foreach (var attack in report.Attacks.Where(a => a.Norm == worst.Norm))
            {
                attack.Epsilons.ShouldBe(worst.Epsilons);
                for (var e = 0; e < worst.Epsilons.Count; e++)
                {
                    worst.RobustAccuracy[e].ShouldBeLessThanOrEqualTo(attack.RobustAccuracy[e], $"{attack.Attack} at ε = {worst.Epsilons[e]}");
                }
            }
        }
    }

    [Fact]
    public void Should_report_each_ensemble_member_cumulatively_ending_at_the_ensemble_When_the_suite_runs()
    {
        var ensembles = fixture.Report.Attacks.Where(a => a.Members.Count > 0).ToList();
        ensembles.Select(a => a.Norm).ShouldBe(["linf", "l2"]);
        foreach (var ensemble in ensembles)
        {
            ensemble.Attack.ShouldBe(string.Join("+", ensemble.Members.Select(m => m.Attack)));
            ensemble.Members[^1].RobustAccuracy.ShouldBe(ensemble.RobustAccuracy);
            ensemble.Members[1].Attempted.Sum().ShouldBeLessThanOrEqualTo(ensemble.Members[0].Attempted.Sum());
        }
    }

    [Fact]
    public void Should_report_minimum_norm_statistics_from_the_norms_listed_When_the_suite_runs()
    {
        var minimum = fixture.Report.Attacks.Where(a => a.Kind == "minimum-norm").ToList();
        minimum.Select(a => $"{a.Attack}-{a.Norm}").ShouldBe(["deepfool-linf", "deepfool-l2", "cw-l2", "ddn-l2", "gaussian-noise-l2"]);
        foreach (var attack in minimum.Where(a => a.Norms.Count > 0))
        {
            attack.MeanNorm!.Value.ShouldBe(attack.Norms.Average(), 1e-9);
            attack.RhoAdversarial.ShouldNotBeNull();
        }
    }

    [Fact]
    public void Should_keep_examples_that_were_correct_and_broken_When_the_suite_runs()
    {
        var examples = fixture.Report.Examples;
        examples.Count.ShouldBe(4);
        foreach (var example in examples)
        {
            example.Shape.ShouldBe([1, 8, 8]);
            example.Clean.Count.ShouldBe(64);
            example.Adversarial.Count.ShouldBe(64);
            example.Attack.ShouldBe("ddn");
            var l2 = Math.Sqrt(example.Clean.Zip(example.Adversarial, (c, a) => (double)(a - c) * (a - c)).Sum());
            example.PerturbationNorm.ShouldBe(l2, 1e-4);
        }

        // the classifier is linear, so DDN breaks every correct input: all four are correct and broken
        examples.ShouldAllBe(e => e.CleanPrediction == e.Label && e.AdversarialPrediction != e.Label);
    }

    [Fact]
    public void Should_report_stages_in_order_ending_complete_When_progress_is_given()
    {
        var reports = fixture.Progress;
        reports.Select(p => p.StageIndex).ShouldBeInOrder();
        var last = reports[^1];
        (last.StageIndex + 1).ShouldBe(last.Stages);
        last.Done.ShouldBe(last.Total);
        reports.Where(p => p.Stage == "ddn (l2)").Select(p => p.Done).ShouldBe([0, 10, 20, 24]);
    }

    [Fact]
    public void Should_read_back_the_same_report_and_print_its_numbers_When_written()
    {
        // Given
        using var folder = new TemporaryFolder();
        var report = fixture.Report;

        // When
        var files = ReportWriter.Write(report, folder["out"]);

        // Then: the JSON reads back into a report that writes the same JSON (a full round trip)
        var back = ReportWriter.Read(files.Json);
        MetricsJson.Serialize(back).ShouldBe(MetricsJson.Serialize(report));
        back.WorstCase[1].RobustAccuracy.ShouldBe(report.WorstCase[1].RobustAccuracy);
        back.Examples[0].Adversarial.ShouldBe(report.Examples[0].Adversarial);
        var markdown = File.ReadAllText(files.Markdown);
        markdown.ShouldContain(MarkdownReport.Percent(report.CleanAccuracy));
        markdown.ShouldContain($"GNR = {report.Gnr!.Gnr:F4}".Replace(',', '.'));
        foreach (var attack in report.Attacks)
        {
            markdown.ShouldContain($"| {attack.Attack} ({attack.Kind}) | " + string.Join(" | ", attack.RobustAccuracy.Select(MarkdownReport.Percent)) + " |");
        }

        File.Exists(files.Html).ShouldBeTrue();
    }

    /// <summary>Runs the suite once.</summary>
    public sealed class SuiteRun : IDisposable
    {
        public SuiteRun()
        {
            using var generator = new Generator(21);
            var layer = new Linear(64, 3);
            using (Autograd.NoGrad())
            {
                using var w = Torch.Torch.Randn([3, 64], generator).Mul(0.5);
                using var b = Torch.Torch.Zeros([3]);
                layer.Weight.Copy_(w);
                layer.Bias!.Copy_(b);
            }

            Network = new Sequential(new Flatten()).Add(layer);
            var model = new AttackModel(Network);
            using var images = Torch.Torch.Rand([24, 1, 8, 8], generator);
            using var predicted = model.Predict(images);
            // a third of the labels disagree with the model, so clean accuracy is below 1
            var labels = predicted.ToArray<long>().Select((p, i) => i % 3 == 0 ? (p + 1) % 3 : p).ToArray();
            Data = new TensorDataset(images.Clone(), Torch.Torch.FromArray(labels, labels.Length), "synthetic");
            var options = new SuiteOptions
            {
                Samples = 24,
                BatchSize = 10,
                Seed = 3,
                LinfEpsilons = [0, 0.02, 0.1, 0.5],
                L2Epsilons = [0, 0.1, 0.5, 3],
                FixedEpsilonSteps = 5,
                DeepFool = new DeepFoolOptions { Steps = 20 },
                CarliniWagner = new CarliniWagnerOptions { Steps = 20, BinarySearchSteps = 2, InitialConst = 1 },
                Ddn = new DdnOptions { Steps = 20 },
                NoiseAttack = new AdditiveNoiseOptions { Directions = 2, Steps = 10 },
                Gnr = new GaussianNoiseRobustnessOptions { SigmaCount = 5 },
                NoiseSigmas = [0.1, 0.3],
                UnboundedCheckSamples = 8,
                Examples = 4,
            };
            var progress = new Recorder();
            Report = EvaluationSuite.Run(model, Data, "synthetic", options, progress);
            Progress = progress.Reports;
        }

        public Sequential Network { get; }

        public TensorDataset Data { get; }

        public RobustnessReport Report { get; }

        public List<SuiteProgress> Progress { get; }

        public void Dispose()
        {
            Network.Dispose();
            Data.Dispose();
        }
    }

    private sealed class Recorder : IProgress<SuiteProgress>
    {
        public List<SuiteProgress> Reports { get; } = [];

        public void Report(SuiteProgress value) => Reports.Add(value);
    }
}
