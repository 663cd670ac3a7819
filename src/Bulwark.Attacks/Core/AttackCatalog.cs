namespace Bulwark.Attacks;

/// <summary>Settings a command line can give any attack; each attack takes what applies to it.</summary>
public sealed record AttackSettings
{
    public Norm Norm { get; init; } = Norm.Linf;

    /// <summary>Iterations (PGD steps, DeepFool iterations, …); null = the attack's default.</summary>
    public int? Steps { get; init; }

    /// <summary>Absolute step size for iterative fixed-ε attacks; null = the attack's default.</summary>
    public double? StepSize { get; init; }

    /// <summary>PGD's random start.</summary>
    public bool RandomStart { get; init; } = true;

    /// <summary>DeepFool's overshoot.</summary>
    public double? Overshoot { get; init; }

    /// <summary>Upper end of the ε grid of the minimum-ε searches (fgsm-min-eps, pgd-min-eps); null = 1.</summary>
    public double? MaxEpsilon { get; init; }

    /// <summary>Number of ε values the minimum-ε searches try.</summary>
    public int EpsilonSteps { get; init; } = 100;

    /// <summary>Binary-search steps over the constant c (C&amp;W, EAD); null = the attack's default (9).</summary>
    public int? BinarySearchSteps { get; init; }

    /// <summary>JSMA's θ, the change per chosen feature as a fraction of the box's width; null = the attack's default (+1).</summary>
    public double? Theta { get; init; }

    /// <summary>JSMA's γ, the largest fraction of features it may change; null = the attack's default (0.145).</summary>
    public double? MaxDistortion { get; init; }
}

/// <summary>Attacks by their command-line name.</summary>
public static class AttackCatalog
{
    private static readonly Dictionary<string, Func<AttackSettings, Attack>> Factories = new()
    {
        ["fgsm"] = s => new FastGradientMethod(s.Norm),
        ["pgd"] = s => new ProjectedGradientDescent(s.Norm, new PgdOptions
        {
            Steps = s.Steps ?? 40,
            StepSize = s.StepSize,
            RandomStart = s.RandomStart,
        }),
        ["apgd-ce"] = s => new AutoProjectedGradientDescent(s.Norm, new ApgdOptions
        {
            Steps = s.Steps ?? 100,
            Loss = ApgdLoss.CrossEntropy,
            RandomStart = s.RandomStart,
        }),
        ["apgd-dlr"] = s => new AutoProjectedGradientDescent(s.Norm, new ApgdOptions
        {
            Steps = s.Steps ?? 100,
            Loss = ApgdLoss.DifferenceOfLogitsRatio,
            RandomStart = s.RandomStart,
        }),
        ["cw"] = s => new CarliniWagnerL2(new CarliniWagnerOptions
        {
            Steps = s.Steps ?? new CarliniWagnerOptions().Steps,
            BinarySearchSteps = s.BinarySearchSteps ?? new CarliniWagnerOptions().BinarySearchSteps,
        }),
        ["ddn"] = s => new DecoupledDirectionNorm(s.Steps is { } steps ? new DdnOptions { Steps = steps } : null),
        ["ead"] = s => new ElasticNet(new EadOptions
        {
            Steps = s.Steps ?? new EadOptions().Steps,
            BinarySearchSteps = s.BinarySearchSteps ?? new EadOptions().BinarySearchSteps,
        }),
        ["lbfgs"] = s => new LimitedMemoryBfgs(new LbfgsOptions
        {
            MaxIterations = s.Steps ?? new LbfgsOptions().MaxIterations,
            BinarySearchSteps = s.BinarySearchSteps ?? new LbfgsOptions().BinarySearchSteps,
        }),
        ["jsma"] = s => new JacobianSaliencyMap(new SaliencyMapOptions
        {
            Theta = s.Theta ?? new SaliencyMapOptions().Theta,
            MaxDistortion = s.MaxDistortion ?? new SaliencyMapOptions().MaxDistortion,
        }),
        ["fgsm-min-eps"] = s => new FastGradientMethod(s.Norm).MinimizeEpsilon(s.MaxEpsilon ?? 1, s.EpsilonSteps),
        ["pgd-min-eps"] = s => new ProjectedGradientDescent(s.Norm, new PgdOptions { Steps = s.Steps ?? 40, StepSize = s.StepSize, RandomStart = s.RandomStart })
            .MinimizeEpsilon(s.MaxEpsilon ?? 1, s.EpsilonSteps),
        ["gaussian-noise"] = s => new AdditiveNoise(new AdditiveNoiseOptions { Distribution = NoiseDistribution.Gaussian, Steps = s.Steps ?? 100 }),
        ["uniform-noise"] = s => new AdditiveNoise(new AdditiveNoiseOptions { Distribution = NoiseDistribution.Uniform, Steps = s.Steps ?? 100 }),
        ["bim"] = s => new ProjectedGradientDescent(s.Norm, new PgdOptions { Steps = s.Steps ?? 40, StepSize = s.StepSize, RandomStart = false }),
        ["deepfool"] = s => new DeepFool(s.Norm, new DeepFoolOptions
        {
            Steps = s.Steps ?? 50,
            Overshoot = s.Overshoot ?? 0.02,
        }),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    public static Attack Create(string name, AttackSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Factories.TryGetValue(name, out var factory)
            ? factory(settings)
            : throw new ArgumentException($"unknown attack '{name}'; known: {string.Join(", ", Names)}", nameof(name));
    }
}
