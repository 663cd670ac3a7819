using Bulwark.Attacks;

namespace Bulwark.Evaluation.Tests;

/// <summary>Hand-built reports for the HTML renderer, with strings that must be escaped.</summary>
internal static class SampleReports
{
    public const string HostileModel = "LeNet-5 <i>&\"small\"</i>";
    public const string HostileAttack = "evil</script><script>alert('attack')</script>";
    public const string HostileWarning = "accuracy at ε = 0 is <b>0.5</b> & not the clean one; </script><img src=x onerror=alert(1)>";

    /// <summary>Every section filled: three norms, fixed-ε and minimum-norm attacks, GNR, noise, warnings and examples.</summary>
    public static RobustnessReport Full(int seed = 7)
    {
        var random = new Random(seed);
        double[] linfEps = [0, 0.1, 0.2, 0.3];
        double[] l2Eps = [0, 0.5, 1, 1.5, 2, 2.5];
        var deepFoolNorms = Enumerable.Range(0, 60).Select(_ => 0.4 + 2 * random.NextDouble()).ToArray();
        var hostileNorms = Enumerable.Range(0, 20).Select(_ => 5 + 10 * random.NextDouble()).Append(double.PositiveInfinity).ToArray();
        var sigmas = Enumerable.Range(0, 30).Select(i => 0.5 * i / 29).ToArray();
        return new RobustnessReport
        {
            Suite = "standard",
            Run = "/tmp/runs/a'b<c>",
            Model = HostileModel,
            Dataset = "mnist",
            Samples = 200,
            CleanAccuracy = 0.985,
            Seed = 42,
            Created = "2025-11-21T18:00:00Z",
            Seconds = 73.4,
            Attacks =
            [
                Attack("pgd", "linf", "fixed-epsilon", linfEps, [0.985, 0.81, 0.32, 0.04], 0.96),
                Attack("fgsm", "linf", "fixed-epsilon", linfEps, [0.985, 0.88, 0.55, 0.21], 0.79),
                Attack("deepfool", "l2", "minimum-norm", l2Eps, [0.985, 0.9, 0.62, 0.31, 0.12, 0.05], 0.97, deepFoolNorms),
                Attack("cw-l2", "l2", "minimum-norm", l2Eps, [0.985, 0.87, 0.55, 0.24, 0.08, 0.02], 0.99,
                    deepFoolNorms.Select(n => 0.9 * n).ToArray()),
                Attack(HostileAttack, "l1", "minimum-norm", [0, 5, 10, 15], [0.985, 0.9, 0.5, 0.1], 0.95, hostileNorms),
            ],
            WorstCase =
            [
                new WorstCaseReport { Norm = "linf", Epsilons = linfEps, RobustAccuracy = [0.985, 0.8, 0.3, 0.03], Attacks = ["pgd", "fgsm"] },
                new WorstCaseReport { Norm = "l2", Epsilons = l2Eps, RobustAccuracy = [0.985, 0.86, 0.53, 0.22, 0.07, 0.02], Attacks = ["deepfool", "cw-l2"] },
            ],
            Gnr = new GaussianNoiseRobustness(0.734, sigmas, sigmas.Select(s => 1 / (1 + Math.Exp((s - 0.35) * 20))).ToArray(), 1, 0, 200),
            Noise =
            [
                new NoiseAccuracy(NoiseDistribution.Gaussian, [0, 0.1, 0.2, 0.3, 0.4], [0.985, 0.97, 0.9, 0.7, 0.45], [0.985, 0.96, 0.88, 0.66, 0.4], 0.985, 1, 200),
                new NoiseAccuracy(NoiseDistribution.Uniform, [0, 0.1, 0.2, 0.3, 0.4], [0.985, 0.975, 0.92, 0.76, 0.5], [0.985, 0.97, 0.9, 0.72, 0.47], 0.985, 1, 200),
            ],
            Warnings =
            [
                new SanityWarning("non-monotonic", "fgsm's robust accuracy rises from ε = 0.2 to ε = 0.3."),
                new SanityWarning("eps-zero-<accuracy>", HostileWarning),
            ],
            Examples =
            [
                Digit(3, "pgd", "linf", label: 7, cleanPrediction: 7, adversarialPrediction: 3, epsilon: 0.3, random),
                Digit(11, "deepfool", "l2", label: 2, cleanPrediction: 2, adversarialPrediction: 8, epsilon: 0.15, random),
                Colour(19, HostileAttack, "l1", label: 1, cleanPrediction: 1, adversarialPrediction: 1, random),
            ],
        };
    }

    /// <summary>Only the header and one attack: no GNR, noise, warnings, examples or worst case.</summary>
    public static RobustnessReport Minimal() => new()
    {
        Suite = "quick",
        Run = "runs/x",
        Model = "mlp",
        Dataset = "mnist",
        Samples = 10,
        CleanAccuracy = 0.9,
        Created = "2025-11-21T18:00:00Z",
        Attacks = [Attack("pgd", "linf", "fixed-epsilon", [0.3], [0.1], 0.88)],
    };

    private static AttackReport Attack(string name, string norm, string kind, double[] epsilons, double[] accuracy, double success, double[]? norms = null)
    {
        var finite = (norms ?? []).Where(double.IsFinite).OrderBy(n => n).ToArray();
        return new AttackReport
        {
            Attack = name,
            Norm = norm,
            Kind = kind,
            Epsilons = epsilons,
            RobustAccuracy = accuracy,
            SuccessRate = success,
            MeanNorm = finite.Length > 0 ? finite.Average() : null,
            MedianNorm = finite.Length > 0 ? finite[finite.Length / 2] : null,
            RhoAdversarial = finite.Length > 0 ? 0.12 : null,
            Norms = norms ?? [],
            GradientEvaluations = 4000,
            Seconds = 1.5,
        };
    }

    /// <summary>A 28×28 ring (a zero, roughly) with a ±ε sign perturbation inside the box.</summary>
    private static AdversarialExample Digit(int index, string attack, string norm, int label, int cleanPrediction, int adversarialPrediction,
        double epsilon, Random random)
    {
        const int size = 28;
        var clean = new float[size * size];
        var adversarial = new float[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var r = Math.Sqrt((x - 13.5) * (x - 13.5) / 0.6 + (y - 13.5) * (y - 13.5));
                var value = Math.Clamp(1 - Math.Abs(r - 8) / 2.5, 0, 1);
                var delta = random.Next(3) switch { 0 => -epsilon, 1 => 0, _ => epsilon };
                clean[y * size + x] = (float)value;
                adversarial[y * size + x] = (float)Math.Clamp(value + delta, 0, 1);
            }
        }

        return new AdversarialExample
        {
            Index = index, Attack = attack, Norm = norm, Label = label, CleanPrediction = cleanPrediction,
            AdversarialPrediction = adversarialPrediction, PerturbationNorm = epsilon, Shape = [1, size, size], Clean = clean, Adversarial = adversarial,
        };
    }

    /// <summary>An 8×12 RGB gradient with random changes in [−0.2, 0.2].</summary>
    private static AdversarialExample Colour(int index, string attack, string norm, int label, int cleanPrediction, int adversarialPrediction, Random random)
    {
        const int channels = 3, height = 8, width = 12;
        var clean = new float[channels * height * width];
        var adversarial = new float[clean.Length];
        for (var c = 0; c < channels; c++)
        {
            for (var i = 0; i < height * width; i++)
            {
                var value = (c + 1) * (i % width) / (3.0 * width) + (i / width) / (2.0 * height);
                clean[c * height * width + i] = (float)value;
                adversarial[c * height * width + i] = (float)Math.Clamp(value + 0.4 * (random.NextDouble() - 0.5), 0, 1);
            }
        }

        return new AdversarialExample
        {
            Index = index, Attack = attack, Norm = norm, Label = label, CleanPrediction = cleanPrediction,
            AdversarialPrediction = adversarialPrediction, PerturbationNorm = 3.2, Shape = [channels, height, width], Clean = clean, Adversarial = adversarial,
        };
    }
}
