using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Attacks.Tests;

public sealed class AttackEnsembleTests
{
    private static readonly PgdOptions Bim = new() { Steps = 10, RelativeStepSize = 0.2, RandomStart = false };

    /// <summary>ε around the affine classifier's ℓ∞ margins: some inputs break, some do not, at each.</summary>
    private static double[] Epsilons(AffineClassifier affine)
    {
        var margins = affine.MinimalNorms(Norm.Linf).Order().ToArray();
        return [0, margins[2] * 1.01, margins[margins.Length / 2], margins[^3] * 1.01];
    }

    [Fact]
    public void Should_equal_the_pointwise_or_of_its_members_When_the_members_are_deterministic_and_batch_independent()
    {
        // Given: FGSM, BIM and DeepFool give an input the same proposal whatever else is in its batch
        using var affine = new AffineClassifier(classes: 4, samples: 24);
        var epsilons = Epsilons(affine);
        Attack[] members = [new FastGradientMethod(Norm.Linf), new ProjectedGradientDescent(Norm.Linf, Bim), new DeepFool(Norm.Linf)];
        var criterion = new Misclassification(affine.Labels);

        // When
        var alone = members.Select(m =>
        {
            using var result = m.Run(affine.Model, affine.Inputs, criterion, epsilons);
            return Rows(result.Success);
        }).ToArray();
        using var ensemble = new AttackEnsemble(members).Run(affine.Model, affine.Inputs, criterion, epsilons);

        // Then: success is the OR, and the breakdown names the first member that broke each input
        var combined = Rows(ensemble.Success);
        for (var e = 0; e < epsilons.Length; e++)
        {
            for (var i = 0; i < combined[e].Length; i++)
            {
                combined[e][i].ShouldBe(alone.Any(a => a[e][i]), $"ε index {e}, input {i}");
                var first = Array.FindIndex(alone, a => a[e][i]);
                ensemble.Breakdown!.BrokenBy[e][i].ShouldBe(first < 0 ? EnsembleBreakdown.NotBroken : first, $"ε index {e}, input {i}");
            }
        }
    }

    [Fact]
    public void Should_have_robust_accuracy_at_most_each_members_When_members_include_random_starts()
    {
        // Given
        using var affine = new AffineClassifier(classes: 5, samples: 32, seed: 7);
        var epsilons = Epsilons(affine);
        Attack[] members =
        [
            new ProjectedGradientDescent(Norm.Linf, Bim with { RandomStart = true }),
            new ProjectedGradientDescent(Norm.Linf, Bim with { RandomStart = true, Loss = PgdLoss.Margin }),
            new DeepFool(Norm.Linf),
        ];
        var criterion = new Misclassification(affine.Labels);

        // When
        using var ensemble = new AttackEnsemble(members).Run(affine.Model, affine.Inputs, criterion, epsilons, seed: 3);

        // Then
        var combined = ensemble.RobustAccuracy();
        foreach (var member in members)
        {
            using var result = member.Run(affine.Model, affine.Inputs, criterion, epsilons, seed: 3);
            var own = result.RobustAccuracy();
            for (var e = 0; e < epsilons.Length; e++)
            {
                combined[e].ShouldBeLessThanOrEqualTo(own[e], $"{member.Name} at ε = {epsilons[e]}");
            }
        }

        // and the cumulative curve falls member by member, ending at the ensemble's
        var after = ensemble.Breakdown!.Members.Select(m => m.RobustAccuracy.ToArray()).ToArray();
        for (var m = 1; m < after.Length; m++)
        {
            for (var e = 0; e < epsilons.Length; e++)
            {
                after[m][e].ShouldBeLessThanOrEqualTo(after[m - 1][e]);
            }
        }

        after[^1].ShouldBe(combined);
    }

    [Fact]
    public void Should_run_each_member_only_on_the_inputs_still_robust_When_counting_the_inputs_members_see()
    {
        // Given: a counting fixed-ε member after FGSM, and a counting minimum-norm member last
        using var affine = new AffineClassifier(classes: 4, samples: 24);
        var epsilons = Epsilons(affine);
        var criterion = new Misclassification(affine.Labels);
        var fgsm = new FastGradientMethod(Norm.Linf);
        var fixedCounter = new CountingFixedEpsilonAttack();
        var minimumCounter = new CountingMinimumNormAttack();
        using var fgsmAlone = fgsm.Run(affine.Model, affine.Inputs, criterion, epsilons);
        var fgsmRows = Rows(fgsmAlone.Success);

        // When
        using var result = new AttackEnsemble(fgsm, fixedCounter, minimumCounter).Run(affine.Model, affine.Inputs, criterion, epsilons);

        // Then: the balls are nested, so an input FGSM broke at some ε is broken at every larger one: FGSM itself ran at
        // each ε only on the inputs it had not broken at a smaller ε, and the second member saw exactly the inputs FGSM
        // left robust (at ε = 0 the base class answers without calling RunCore)
        var n = (int)affine.Labels.Size(0);
        bool BrokenUpTo(int e, int i, bool inclusive) =>
            Enumerable.Range(0, epsilons.Length).Any(k => (inclusive ? epsilons[k] <= epsilons[e] : epsilons[k] < epsilons[e]) && fgsmRows[k][i]);
        var robustAfterFgsm = epsilons.Select((_, e) => Enumerable.Range(0, n).Count(i => !BrokenUpTo(e, i, inclusive: true))).ToArray();
        var fgsmAttempted = epsilons.Select((_, e) => Enumerable.Range(0, n).Count(i => !BrokenUpTo(e, i, inclusive: false))).ToArray();
        var seen = epsilons.Select(e => fixedCounter.Seen.Where(s => s.Epsilon == e).Sum(s => (int)s.Count)).ToArray();
        seen[0].ShouldBe(0);
        seen[1..].ShouldBe(robustAfterFgsm[1..]);
        // the minimum-norm member ran once, on the inputs robust at some ε (every input is robust at ε = 0)
        minimumCounter.Seen.ShouldBe([affine.Labels.Size(0)]);
        var breakdown = result.Breakdown!;
        breakdown.Members.Select(m => m.Name).ShouldBe(["fgsm", "counting-fixed", "counting-minimum"]);
        breakdown.Members[1].Attempted.ShouldBe(robustAfterFgsm);
        breakdown.Members[1].Broken.ShouldAllBe(b => b == 0);
        breakdown.Members[0].Attempted.ShouldBe(fgsmAttempted);
        fgsmAttempted.Sum().ShouldBeLessThan(n * epsilons.Length, "FGSM broke something at a smaller ε, so the test shows the saving");
    }

    [Fact]
    public void Should_refuse_members_of_different_norms_When_constructed()
    {
        var error = Should.Throw<ArgumentException>(() => new AttackEnsemble(new FastGradientMethod(Norm.Linf), new DeepFool(Norm.L2)));
        error.Message.ShouldContain("one norm");
        Should.Throw<ArgumentException>(() => new AttackEnsemble());
    }

    [Fact]
    public void Should_refuse_an_empty_epsilon_list_When_run()
    {
        using var affine = new AffineClassifier();
        var ensemble = new AttackEnsemble(new DeepFool(Norm.L2), new DecoupledDirectionNorm());
        var error = Should.Throw<ArgumentException>(() => ensemble.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels), []));
        error.Message.ShouldContain("epsilon");
        ensemble.Name.ShouldBe("deepfool+ddn");
    }

    private static bool[][] Rows(Tensor success)
    {
        var flat = success.ToArray<bool>();
        var columns = (int)success.Size(1);
        return Enumerable.Range(0, (int)success.Size(0)).Select(r => flat.AsSpan(r * columns, columns).ToArray()).ToArray();
    }

    /// <summary>Proposes the inputs themselves (never succeeds) and records how many it was given at each ε.</summary>
    private sealed class CountingFixedEpsilonAttack : FixedEpsilonAttack
    {
        public List<(double Epsilon, long Count)> Seen { get; } = [];

        public override Norm Norm => Norm.Linf;

        public override string Name => "counting-fixed";

        protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion, double epsilon)
        {
            Seen.Add((epsilon, inputs.Size(0)));
            return inputs.Clone();
        }
    }

    private sealed class CountingMinimumNormAttack : MinimumNormAttack
    {
        public List<long> Seen { get; } = [];

        public override Norm Norm => Norm.Linf;

        public override string Name => "counting-minimum";

        protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion)
        {
            Seen.Add(inputs.Size(0));
            return inputs.Clone();
        }
    }
}
