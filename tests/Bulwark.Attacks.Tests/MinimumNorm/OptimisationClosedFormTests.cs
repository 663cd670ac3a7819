using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.MinimumNorm;

/// <summary>
/// C&amp;W, DDN and EAD against the affine classifier, whose minimal perturbations are known in closed form. With two
/// classes there is one hyperplane and each attack must find the distance to it within 2%. With more classes the
/// untargeted objectives (margin to the best other class, cross-entropy) are not convex, and an attack may cross a
/// boundary other than the nearest one: it must then reach the nearest point of the boundary it does cross.
/// </summary>
public sealed class OptimisationClosedFormTests
{
    public static TheoryData<string> L2Attacks => ["cw", "ddn"];

    public static TheoryData<string> AllAttacks => ["cw", "ddn", "ead"];

    /// <summary>The attacks set for the affine classifier's box [−100, 100], which is 200 wide, not 1.</summary>
    private static MinimumNormAttack Create(string name) => name switch
    {
        // the learning rate acts in tanh space, where one unit moves an input by up to width/2: the paper's 0.01 on a
        // unit box is 10⁻⁴ here
        "cw" => new CarliniWagnerL2(new CarliniWagnerOptions { LearningRate = 1e-4 }),
        // 256 grey levels of a box 200 wide would lie 0.8 apart, coarser than the margins
        "ddn" => new DecoupledDirectionNorm(new DdnOptions { Quantize = false }),
        // the ℓ1 rule and a β large enough that the elastic net's optimum is the sparse ℓ1 one; the finer search over c
        // pins the hinge's crossing point down to a per cent
        "ead" => new ElasticNet(new EadOptions { DecisionRule = EadDecisionRule.L1, Beta = 0.3, BinarySearchSteps = 15 }),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(AllAttacks))]
    public void Should_find_the_minimal_perturbation_within_two_percent_When_attacking_a_binary_affine_classifier(string name)
    {
        // Given
        using var affine = new AffineClassifier(classes: 2);
        var attack = Create(name);
        var truth = affine.MinimalNorms(attack.Norm);

        // When
        using var result = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels));

        // Then
        var found = result.Norms.ToArray<double>();
        for (var i = 0; i < truth.Length; i++)
        {
            found[i].ShouldBeGreaterThanOrEqualTo(truth[i] * (1 - 1e-9), $"sample {i}: below the true minimum");
            found[i].ShouldBeLessThanOrEqualTo(truth[i] * 1.02, $"sample {i}: true minimum {truth[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(L2Attacks))]
    public void Should_reach_the_nearest_point_of_the_boundary_it_crosses_When_attacking_a_multiclass_affine_classifier(string name)
    {
        // Given: four classes; logits scaled by 10 (the same decision regions), so that the softmax is sharp enough for
        // DDN's cross-entropy direction to point at one boundary rather than a blend of several
        using var affine = new AffineClassifier(classes: 4);
        using (Autograd.NoGrad())
        {
            affine.Layer.Weight.Mul_(10);
            affine.Layer.Bias!.Mul_(10);
        }

        var attack = Create(name);
        var truth = affine.MinimalNorms(Norm.L2);

        // When
        using var result = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels));

        // Then
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        var found = result.Norms.ToArray<double>();
        using var landed = affine.Model.Predict(result.Raw[0]);
        var classes = landed.ToArray<long>();
        var nearest = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            var boundary = HyperplaneDistance(affine, i, classes[i]);
            found[i].ShouldBeGreaterThanOrEqualTo(truth[i] * (1 - 1e-9), $"sample {i}: below the true minimum");
            found[i].ShouldBeLessThanOrEqualTo(boundary * 1.02, $"sample {i}: the boundary to class {classes[i]} is {boundary} away");
            nearest += found[i] <= truth[i] * 1.02 ? 1 : 0;
        }

        nearest.ShouldBeGreaterThanOrEqualTo(truth.Length * 3 / 4, "most inputs should cross their nearest boundary");
    }

    [Fact]
    public void Should_find_the_minimal_l1_perturbation_for_most_inputs_When_EAD_attacks_a_multiclass_affine_classifier()
    {
        // Given: with several classes the elastic net may settle on a denser perturbation towards another class
        using var affine = new AffineClassifier(classes: 4);
        var attack = new ElasticNet(((ElasticNet)Create("ead")).Options with { Steps = 300 });
        var truth = affine.MinimalNorms(Norm.L1);

        // When
        using var result = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels));

        // Then
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        var ratios = result.Norms.ToArray<double>().Select((found, i) => found / truth[i]).Order().ToArray();
        ratios[0].ShouldBeGreaterThanOrEqualTo(1 - 1e-9, "below the true minimum");
        ratios[ratios.Length / 2].ShouldBeLessThanOrEqualTo(1.02, "median ratio to the true minimum");
    }

    /// <summary>ℓ2 distance from sample i to the hyperplane where class <paramref name="other"/> ties with its label.</summary>
    private static double HyperplaneDistance(AffineClassifier affine, int i, long other)
    {
        using var scope = TensorScope.Begin();
        var x = affine.Inputs.Narrow(0, i, 1).Flatten(1);
        var logits = affine.Layer.Forward(x).Squeeze(0).ToArray<double>();
        var label = affine.Labels.Narrow(0, i, 1).ToInt64();
        var normal = affine.Layer.Weight.Select(0, label).Sub(affine.Layer.Weight.Select(0, other));
        return (logits[label] - logits[other]) / normal.Norm(2).ToDouble();
    }
}
