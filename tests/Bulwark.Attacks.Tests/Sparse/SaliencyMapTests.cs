using Bulwark.Attacks;
using Bulwark.Attacks.Tests.Contract;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks.Tests.Sparse;

using Torch = Bulwark.Torch.Torch;

/// <summary>The saliency-map attack: the pair it picks on a model worked out by hand, and its budget, direction and box.</summary>
public sealed class SaliencyMapTests
{
    // Z₀ = −w·x, Z₁ = w·x − 9 on [0, 1]⁶: α_i = w_i and β_i = −w_i towards class 1, so the pair score −α·β is
    // (w_p + w_q)², largest for the two largest weights, 3 and 2; from x = 0 that pair gives Z₁ − Z₀ = 2·5 − 9 > 0, and
    // it is the only pair that does (the next best, 3 and 0.5, gives 2·3.5 − 9 < 0)
    private static readonly double[] Weights = [0.1, 3, 0.2, 2, -1, 0.5];

    [Theory]
    [InlineData(1.0)]
    [InlineData(-1.0)]
    public void Should_change_exactly_the_most_salient_pair_When_one_pair_flips_an_affine_classifier(double theta)
    {
        // Given: for θ = −1 the mirror image, x = 1 and the weights negated, so decreasing the same pair flips the label
        using var scope = TensorScope.Begin();
        var sign = Math.Sign(theta);
        var layer = new Linear(6, 2);
        using (Autograd.NoGrad())
        {
            layer.To(DType.Float64);
            var w = Weights.Select(v => v * sign).ToArray();
            layer.Weight.Copy_(Torch.FromArray(w.Select(v => -v).Concat(w).ToArray(), 2, 6));
            layer.Bias!.Copy_(Torch.FromArray(new double[] { 0, -9 + (sign < 0 ? 2 * Weights.Sum() : 0) }, 2));
        }

        var model = new AttackModel(layer, Bounds.Unit);
        var x = Torch.Full([1, 6], sign > 0 ? 0 : 1, DType.Float64);
        model.Predict(x).ToInt64().ShouldBe(0);
        var attack = new JacobianSaliencyMap(new SaliencyMapOptions { MaxDistortion = 1, Theta = theta });

        // When
        using var result = attack.Run(model, x, new TargetedMisclassification(Torch.FromArray(new long[] { 1 }, 1)));

        // Then
        result.RawSuccess.ToArray<bool>().ShouldBe([true]);
        var changed = result.Raw[0].Sub(x).ToArray<double>();
        changed.ShouldBe([0, theta, 0, theta, 0, 0]);
        result.Norms.ToArray<double>().ShouldBe([2.0]);
    }

    [Theory]
    [InlineData("conv", 1.0)]
    [InlineData("conv", -1.0)]
    [InlineData("mlp", 1.0)]
    [InlineData("mlp", -1.0)]
    public void Should_land_on_the_target_within_the_budget_moving_features_one_way_When_targeted(string target, double theta)
    {
        // Given
        using var given = TestTarget.Create(target);
        const double gamma = 0.5;
        var attack = new JacobianSaliencyMap(new SaliencyMapOptions { MaxDistortion = gamma, Theta = theta });
        var criterion = new TargetedMisclassification(given.Targets);

        // When
        using var result = attack.Run(given.Model, given.Inputs, criterion);

        // Then: success is re-predicted, the count of changed values stays within γ·n, values move only in θ's direction
        using var scope = TensorScope.Begin();
        var raw = result.Raw[0];
        var success = result.RawSuccess.ToArray<bool>();
        given.MeetsCriterion(raw, criterion).ToArray<bool>().ShouldBe(success);
        success.Count(s => s).ShouldBeGreaterThan(success.Length / 2, $"{target}, θ = {theta}");
        var features = given.Inputs.NumberOfElements / given.Inputs.Size(0);
        result.Norms.Doubles().Where(double.IsFinite).ShouldAllBe(n => n <= gamma * features);
        var delta = raw.Sub(given.Inputs).Doubles();
        delta.ShouldAllBe(d => d * theta >= 0);
        raw.Min().ToDouble().ShouldBeGreaterThanOrEqualTo(0);
        raw.Max().ToDouble().ShouldBeLessThanOrEqualTo(1);
    }

    [Fact]
    public void Should_return_inputs_unchanged_When_epsilon_is_zero_or_they_are_already_misclassified()
    {
        // Given: every fourth input of the test target is labelled wrongly, so it is misclassified before any attack
        using var given = TestTarget.Create("conv");
        var attack = new JacobianSaliencyMap(new SaliencyMapOptions { MaxDistortion = 0.5 });

        // When
        using var result = attack.Run(given.Model, given.Inputs, new Misclassification(given.Labels), [0, 4]);

        // Then
        using var scope = TensorScope.Begin();
        result.Clipped[0].ToBytes().ShouldBe(given.Inputs.ToBytes());
        var changed = Norm.L0.Measure(result.Raw[0].Sub(given.Inputs)).Doubles();
        for (var i = 3; i < changed.Length; i += 4)
        {
            changed[i].ShouldBe(0, $"sample {i} was misclassified already");
        }

        Norm.L0.Measure(result.Clipped[1].Sub(given.Inputs)).Doubles().ShouldAllBe(n => n <= 4);
    }

    [Fact]
    public void Should_give_each_input_the_result_of_a_smaller_batch_When_the_pair_search_runs_batched()
    {
        // Given: the pair search runs over the whole batch at once; an input's result must not depend on its batch-mates
        using var given = TestTarget.Create("mlp");
        var attack = new JacobianSaliencyMap(new SaliencyMapOptions { MaxDistortion = 0.5 });
        var criterion = new TargetedMisclassification(given.Targets);

        // When
        using var whole = attack.Run(given.Model, given.Inputs, criterion);
        using var first = given.Inputs.Narrow(0, 0, 3);
        using var firstTargets = given.Targets.Narrow(0, 0, 3);
        using var part = attack.Run(given.Model, first, new TargetedMisclassification(firstTargets));

        // Then
        using var scope = TensorScope.Begin();
        part.Raw[0].ToBytes().ShouldBe(whole.Raw[0].Narrow(0, 0, 3).ToBytes());
    }

    [Fact]
    public void Should_give_the_target_row_of_the_jacobian_and_the_sum_of_the_others_When_taking_two_gradients()
    {
        // Given: the logits' whole Jacobian, one backward pass per class, as the oracle
        using var given = TestTarget.Create("conv");
        using var eval = given.Model.EvaluationMode();
        using var context = new AttackContext(given.Model, seed: 0);
        using var scope = TensorScope.Begin();
        var (_, jacobian) = context.LogitJacobian(given.Inputs);
        var before = context.GradientEvaluations;

        // When
        var (logits, target, others) = context.TargetLogitGradients(given.Inputs, given.Targets);

        // Then: α = J[t] and β = Σ_{k≠t} J[k], from two passes per input
        context.GradientEvaluations.ShouldBe(before + (2 * given.Inputs.Size(0)));
        logits.Shape.ShouldBe([given.Inputs.Size(0), given.Classes]);
        target.Shape.ShouldBe(given.Inputs.Shape);
        others.Shape.ShouldBe(given.Inputs.Shape);
        var (n, k, features) = ((int)given.Inputs.Size(0), (int)given.Classes, (int)(given.Inputs.NumberOfElements / given.Inputs.Size(0)));
        var rows = jacobian.ToArray<float>();
        var targets = given.Targets.ToArray<long>();
        var (alpha, beta) = (target.ToArray<float>(), others.ToArray<float>());
        for (var i = 0; i < n; i++)
        {
            for (var f = 0; f < features; f++)
            {
                var expectedOthers = Enumerable.Range(0, k).Where(c => c != targets[i]).Sum(c => (double)rows[(((i * k) + c) * features) + f]);
                ((double)alpha[(i * features) + f]).ShouldBe(rows[(((i * k) + (int)targets[i]) * features) + f], 1e-6);
                ((double)beta[(i * features) + f]).ShouldBe(expectedOthers, 1e-5);
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_pick_the_pair_the_tensor_formulation_picks_When_searching_natively(bool increase)
    {
        // Given: random α, β and domain; the composite form is what GPU tensors take
        using var scope = TensorScope.Begin();
        using var generator = new Generator(99);
        var alpha = Torch.Randn([12, 49], generator);
        var beta = Torch.Randn([12, 49], generator);
        var domain = Torch.Rand([12, 49], generator).Gt(0.3);

        // When
        var (pairs, found) = JacobianSaliencyMap.BestPairs(alpha, beta, domain, increase);
        var (compositePairs, compositeFound) = JacobianSaliencyMap.BestPairsComposite(alpha, beta, domain, increase);

        // Then: the same pair, whichever of (p, q) and (q, p) the composite arg-max returns
        var any = found.ToArray<bool>();
        compositeFound.ToArray<bool>().ShouldBe(any);
        any.ShouldContain(true);
        var (native, composite) = (pairs.ToArray<long>(), compositePairs.ToArray<long>());
        for (var r = 0; r < any.Length; r++)
        {
            if (any[r])
            {
                (native[2 * r], native[(2 * r) + 1]).ShouldBe((Math.Min(composite[2 * r], composite[(2 * r) + 1]),
                    Math.Max(composite[2 * r], composite[(2 * r) + 1])), $"row {r}");
            }
        }
    }

    [Fact]
    public void Should_be_an_l0_attack_with_the_papers_defaults_When_created_by_name()
    {
        // Given / When
        var attack = AttackCatalog.Create("jsma", new AttackSettings { Norm = Norm.L0 });

        // Then
        var jsma = attack.ShouldBeOfType<JacobianSaliencyMap>();
        jsma.Norm.ShouldBe(Norm.L0);
        jsma.Options.ShouldBe(new SaliencyMapOptions());
    }

    [Fact]
    public void Should_take_theta_and_gamma_from_the_settings_When_created_by_name()
    {
        // Given / When
        var attack = AttackCatalog.Create("jsma", new AttackSettings { Norm = Norm.L0, Theta = -0.4, MaxDistortion = 80.0 / 784 });

        // Then
        attack.ShouldBeOfType<JacobianSaliencyMap>().Options.ShouldBe(new SaliencyMapOptions { Theta = -0.4, MaxDistortion = 80.0 / 784 });
    }

    [Fact]
    public void Should_reject_options_out_of_range_When_constructed()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new JacobianSaliencyMap(new SaliencyMapOptions { MaxDistortion = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new JacobianSaliencyMap(new SaliencyMapOptions { MaxDistortion = 1.5 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new JacobianSaliencyMap(new SaliencyMapOptions { Theta = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new JacobianSaliencyMap(new SaliencyMapOptions { Theta = 2 }));
    }
}
