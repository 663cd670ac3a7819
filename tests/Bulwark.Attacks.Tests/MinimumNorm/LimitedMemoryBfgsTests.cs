using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.MinimumNorm;

/// <summary>
/// The L-BFGS attack against the affine classifier, whose minimal ℓ2 perturbations are known in closed form (see
/// <see cref="AffineClassifier"/>): no input may come out below the true minimum, and the search over c must get close
/// to it.
/// </summary>
public sealed class LimitedMemoryBfgsTests
{
    public static TheoryData<LbfgsSolver> Solvers => [LbfgsSolver.LimitedMemory, LbfgsSolver.BoxConstrained];

    [Theory]
    [MemberData(nameof(Solvers))]
    public void Should_find_the_minimal_perturbation_within_two_percent_When_attacking_a_binary_affine_classifier(LbfgsSolver solver)
    {
        // Given: one hyperplane, where the minimisers of ‖r‖² + c·CE all lie on the normal through x
        using var affine = new AffineClassifier(classes: 2);
        var attack = new LimitedMemoryBfgs(new LbfgsOptions { Solver = solver });
        var truth = affine.MinimalNorms(Norm.L2);

        // When
        using var result = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels));

        // Then
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        var found = result.Norms.ToArray<double>();
        for (var i = 0; i < truth.Length; i++)
        {
            found[i].ShouldBeGreaterThanOrEqualTo(truth[i] * (1 - 1e-9), $"sample {i}: below the true minimum");
            found[i].ShouldBeLessThanOrEqualTo(truth[i] * 1.02, $"sample {i}: true minimum {truth[i]}");
        }
    }

    [Fact]
    public void Should_reach_the_nearest_point_of_the_boundary_it_crosses_When_attacking_a_multiclass_affine_classifier()
    {
        // Given: four classes; the untargeted loss −log(1 − p_y) blends the other classes' directions, so it need not
        // cross the nearest boundary, but where it crosses it must come close to that boundary's nearest point. Logits
        // scaled by 10 (the same decision regions), as for DDN, so that the softmax is sharp enough for the blend to be
        // dominated by one boundary: at scale 1 the crossing points lie up to 3% beyond the nearest point
        using var affine = new AffineClassifier(classes: 4);
        using (Autograd.NoGrad())
        {
            affine.Layer.Weight.Mul_(10);
            affine.Layer.Bias!.Mul_(10);
        }

        var truth = affine.MinimalNorms(Norm.L2);

        // When
        using var result = new LimitedMemoryBfgs().Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels));

        // Then
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        var found = result.Norms.ToArray<double>();
        using var landed = affine.Model.Predict(result.Raw[0]);
        var classes = landed.ToArray<long>();
        var labels = affine.Labels.ToArray<long>();
        var nearest = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            var boundary = HyperplaneDistance(affine, i, labels[i], classes[i]);
            found[i].ShouldBeGreaterThanOrEqualTo(truth[i] * (1 - 1e-9), $"sample {i}: below the true minimum");
            found[i].ShouldBeLessThanOrEqualTo(boundary * 1.02, $"sample {i}: the boundary to class {classes[i]} is {boundary} away");
            nearest += found[i] <= truth[i] * 1.02 ? 1 : 0;
        }

        nearest.ShouldBeGreaterThanOrEqualTo(truth.Length * 3 / 4, "most inputs should cross their nearest boundary");
    }

    [Fact]
    public void Should_land_on_the_target_no_closer_than_any_of_its_half_spaces_When_targeted_on_a_multiclass_affine_classifier()
    {
        // Given: the target region is the intersection of the half-spaces Z_t ≥ Z_k, so the distance to each of them is a
        // lower bound on the distance to the region
        using var affine = new AffineClassifier(classes: 4);
        using var targets = Targets(affine);

        // When
        using var result = new LimitedMemoryBfgs().Run(affine.Model, affine.Inputs, new TargetedMisclassification(targets));

        // Then
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        using var landed = affine.Model.Predict(result.Raw[0]);
        landed.ToArray<long>().ShouldBe(targets.ToArray<long>());
        var found = result.Norms.ToArray<double>();
        var wanted = targets.ToArray<long>();
        for (var i = 0; i < found.Length; i++)
        {
            var bound = Enumerable.Range(0, 4).Where(k => k != wanted[i]).Max(k => Math.Max(0, -HyperplaneDistance(affine, i, wanted[i], k)));
            found[i].ShouldBeGreaterThanOrEqualTo(bound * (1 - 1e-9), $"sample {i}");
        }
    }

    [Fact]
    public void Should_stay_in_the_box_and_stop_at_the_face_When_the_box_cuts_the_unconstrained_path()
    {
        // Given: a binary affine classifier on [0, 1]⁴ with Z₁ − Z₀ = 4·x₀ + x₁ − 4.9, attacked from x = 0.5: the nearest
        // point of the boundary, 2.4·(4, 1)/17 away, has x₀ ≈ 1.06 outside the box; inside it, x₀ stops at 1 and x₁
        // must reach 0.9, so the box-constrained minimum is ‖(0.5, 0.4)‖ = √0.41
        using var scope = TensorScope.Begin();
        var layer = new Bulwark.Torch.Nn.Linear(4, 2);
        using (Autograd.NoGrad())
        {
            layer.To(DType.Float64);
            layer.Weight.Copy_(Torch.Torch.FromArray(new double[] { 0, 0, 0, 0, 4, 1, 0, 0 }, 2, 4));
            layer.Bias!.Copy_(Torch.Torch.FromArray(new double[] { 0, -4.9 }, 2));
        }

        var model = new AttackModel(layer, Bounds.Unit);
        var x = Torch.Torch.Full([1, 4], 0.5, DType.Float64);

        // When
        using var result = new LimitedMemoryBfgs().Run(model, x, new Misclassification(Torch.Torch.FromArray(new long[] { 0 }, 1)));

        // Then
        result.RawSuccess.All().ToBoolean().ShouldBeTrue();
        var adversarial = result.Raw[0].ToArray<double>();
        adversarial.Min().ShouldBeGreaterThanOrEqualTo(0);
        adversarial.Max().ShouldBeLessThanOrEqualTo(1);
        result.Norms.ToArray<double>()[0].ShouldBeInRange(Math.Sqrt(0.41) * (1 - 1e-9), Math.Sqrt(0.41) * 1.02);
    }

    [Fact]
    public void Should_reject_options_out_of_range_When_constructed()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new LimitedMemoryBfgs(new LbfgsOptions { BinarySearchSteps = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new LimitedMemoryBfgs(new LbfgsOptions { InitialConst = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new LimitedMemoryBfgs(new LbfgsOptions { MaxIterations = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new LimitedMemoryBfgs(new LbfgsOptions { Memory = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new LimitedMemoryBfgs(new LbfgsOptions { Solver = (LbfgsSolver)7 }));
    }

    [Fact]
    public void Should_take_iterations_and_search_steps_from_the_command_line_settings_When_created_by_name()
    {
        // Given / When
        var attack = AttackCatalog.Create("lbfgs", new AttackSettings { Steps = 20, BinarySearchSteps = 4 });

        // Then
        var lbfgs = attack.ShouldBeOfType<LimitedMemoryBfgs>();
        lbfgs.Options.ShouldBe(new LbfgsOptions { MaxIterations = 20, BinarySearchSteps = 4 });
        lbfgs.Norm.ShouldBe(Norm.L2);
    }

    /// <summary>For each input, the class other than its label with the smallest logit (the hardest target).</summary>
    private static Tensor Targets(AffineClassifier affine)
    {
        using var scope = TensorScope.Begin();
        var logits = affine.Model.Logits(affine.Inputs);
        return scope.Keep(logits.Scatter(1, affine.Labels.Unsqueeze(1), double.PositiveInfinity).Argmin(1));
    }

    /// <summary>Signed ℓ2 distance from sample i to the hyperplane Z_from = Z_to (positive while Z_from is larger).</summary>
    private static double HyperplaneDistance(AffineClassifier affine, int i, long from, long to)
    {
        using var scope = TensorScope.Begin();
        var x = affine.Inputs.Narrow(0, i, 1).Flatten(1);
        var logits = affine.Layer.Forward(x).Squeeze(0).ToArray<double>();
        var normal = affine.Layer.Weight.Select(0, from).Sub(affine.Layer.Weight.Select(0, to));
        return (logits[from] - logits[to]) / normal.Norm(2).ToDouble();
    }
}
