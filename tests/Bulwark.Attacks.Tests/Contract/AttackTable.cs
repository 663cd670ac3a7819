namespace Bulwark.Attacks.Tests.Contract;

/// <summary>
/// The one table of attack configurations that every contract test runs (Foolbox's habit): each attack of the library in
/// each of its norms, with fewer iterations than the literature's defaults so that the whole table stays fast, and steps
/// large enough that proposals reach the faces of the ε-balls and of the box.
/// </summary>
internal static class AttackTable
{
    private static readonly PgdOptions Bim = new() { Steps = 10, RelativeStepSize = 0.2, RandomStart = false };
    private static readonly PgdOptions Pgd = Bim with { RandomStart = true };

    // 10 steps: checkpoints at 3, 5, 6, 7, 8, 9 and 10 exercise the step-size schedule
    private static readonly ApgdOptions ApgdFew = new() { Steps = 10 };

    public static IReadOnlyList<AttackCase> All { get; } =
    [
        new("fgsm-linf", () => new FastGradientMethod(Norm.Linf), BatchIndependent: true),
        new("fgm-l2", () => new FastGradientMethod(Norm.L2), BatchIndependent: true),
        new("fgm-l1", () => new FastGradientMethod(Norm.L1), BatchIndependent: true),
        new("bim-linf", () => new ProjectedGradientDescent(Norm.Linf, Bim), BatchIndependent: true),
        new("bim-l2", () => new ProjectedGradientDescent(Norm.L2, Bim), BatchIndependent: true),
        new("bim-l1", () => new ProjectedGradientDescent(Norm.L1, Bim), BatchIndependent: true),
        new("pgd-linf", () => new ProjectedGradientDescent(Norm.Linf, Pgd), BatchIndependent: false),
        new("pgd-l2", () => new ProjectedGradientDescent(Norm.L2, Pgd), BatchIndependent: false),
        new("pgd-l1", () => new ProjectedGradientDescent(Norm.L1, Pgd), BatchIndependent: false),
        // Auto-PGD: ℓ∞ from AutoAttack's random start (one stream for the batch); ℓ2 from the inputs, where each input's own
        // step-size schedule must make it independent of its batch-mates
        new("apgd-ce-linf", () => new AutoProjectedGradientDescent(Norm.Linf, ApgdFew), BatchIndependent: false),
        new("apgd-ce-l2", () => new AutoProjectedGradientDescent(Norm.L2, ApgdFew with { RandomStart = false }), BatchIndependent: true),
        new("apgd-dlr-linf", () => new AutoProjectedGradientDescent(Norm.Linf, ApgdFew with { Loss = ApgdLoss.DifferenceOfLogitsRatio }),
            BatchIndependent: false),
        new("apgd-dlr-l2", () => new AutoProjectedGradientDescent(Norm.L2,
            ApgdFew with { Loss = ApgdLoss.DifferenceOfLogitsRatio, RandomStart = false }), BatchIndependent: true),
        new("deepfool-l2", () => new DeepFool(Norm.L2), BatchIndependent: true),
        new("deepfool-linf", () => new DeepFool(Norm.Linf), BatchIndependent: true),
        // C&W and EAD document per-sample abort-early and a per-sample search over c: batch-mates must not matter
        new("cw-l2", () => new CarliniWagnerL2(new CarliniWagnerOptions { Steps = 50, BinarySearchSteps = 3, InitialConst = 1 }), BatchIndependent: true),
        // DDN draws random directions where a gradient vanishes, from the batch's one stream
        new("ddn-l2", () => new DecoupledDirectionNorm(new DdnOptions { Steps = 50 }), BatchIndependent: false),
        new("ead-l1", () => new ElasticNet(new EadOptions { Steps = 50, BinarySearchSteps = 3, InitialConst = 1 }), BatchIndependent: true),
        // L-BFGS evaluates the whole batch's searches together, and a batched forward rounds differently per batch size
        new("lbfgs-l2", () => new LimitedMemoryBfgs(new LbfgsOptions { BinarySearchSteps = 5, MaxIterations = 30, InitialConst = 1 }), BatchIndependent: false),
        new("jsma-l0", () => new JacobianSaliencyMap(new SaliencyMapOptions { MaxDistortion = 0.5 }), BatchIndependent: true),
        // the noise attacks draw their directions for the whole batch from one stream
        new("gaussian-noise-l2", () => new AdditiveNoise(new AdditiveNoiseOptions { Directions = 3, Steps = 40 }), BatchIndependent: false),
        new("uniform-noise-l2", () => new AdditiveNoise(new AdditiveNoiseOptions { Distribution = NoiseDistribution.Uniform, Directions = 3, Steps = 40 }), BatchIndependent: false),
        // AutoAttack's rule over a fixed-ε and a minimum-norm member, both deterministic and per-sample
        new("ensemble-l2", () => new AttackEnsemble(new ProjectedGradientDescent(Norm.L2, Bim), new DeepFool(Norm.L2)), BatchIndependent: true),
    ];

    public static AttackCase Get(string name) => All.Single(c => c.Name == name);

    /// <summary>The ε list attacks in <paramref name="norm"/> run with: 0, radii below and around the test models' margins, and a large one.</summary>
    public static double[] Epsilons(Norm norm) => norm.Name switch
    {
        "linf" => [0, 0.03, 0.1, 0.3],
        "l2" => [0, 0.25, 0.75, 2],
        "l1" => [0, 1, 3, 8],
        "l0" => [0, 2, 8, 32],
        _ => throw new ArgumentException($"no ε list for {norm}", nameof(norm)),
    };

    /// <summary>A radius that reaches every corner of the 1×8×8 unit box (and far beyond the affine classifier's margins).</summary>
    public static double Unbounded(Norm norm) => norm.Name switch
    {
        "linf" => 1,
        "l2" => 8,
        "l1" => 64,
        "l0" => 64,
        _ => throw new ArgumentException($"no radius for {norm}", nameof(norm)),
    };

    /// <summary>The entries whose attack <paramref name="predicate"/> accepts, or all of them.</summary>
    public static TheoryData<string> Names(Func<Attack, bool>? predicate = null)
    {
        var data = new TheoryData<string>();
        foreach (var entry in All.Where(e => predicate?.Invoke(e.Create()) ?? true))
        {
            data.Add(entry.Name);
        }

        return data;
    }

    /// <summary>Every entry against every test target.</summary>
    public static TheoryData<string, string> NamesAndTargets()
    {
        var data = new TheoryData<string, string>();
        foreach (var entry in All)
        {
            foreach (var target in TestTarget.Names)
            {
                data.Add(entry.Name, target);
            }
        }

        return data;
    }

    /// <summary>The entries that <paramref name="predicate"/> accepts (given the entry and its attack) against every test target.</summary>
    public static TheoryData<string, string> NamesAndTargetsWhere(Func<AttackCase, Attack, bool> predicate)
    {
        var data = new TheoryData<string, string>();
        foreach (var entry in All.Where(e => predicate(e, e.Create())))
        {
            foreach (var target in TestTarget.Names)
            {
                data.Add(entry.Name, target);
            }
        }

        return data;
    }
}
