using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.MinimumNorm;

/// <summary>
/// The promises C&amp;W, DDN and EAD make beyond the base class's bookkeeping, on a small random network in [0, 1]:
/// inputs untouched, results inside the box, success as re-prediction says, determinism, targets reached, and — for the
/// batch-independent C&amp;W and EAD — a slice of the batch attacked alone gives the slice of the batch's result.
/// </summary>
public sealed class OptimisationInvariantTests
{
    public static TheoryData<string> Attacks => ["cw", "ddn", "ead"];

    /// <summary>C&amp;W and EAD: per-sample search and abort-early. DDN is too, except for its random draws on zero gradients.</summary>
    public static TheoryData<string> BatchIndependentAttacks => ["cw", "ead"];

    /// <summary>Few iterations, and a search that starts at c = 1, so that every run stays short yet succeeds.</summary>
    private static MinimumNormAttack Create(string name) => name switch
    {
        "cw" => new CarliniWagnerL2(new CarliniWagnerOptions { Steps = 50, BinarySearchSteps = 3, InitialConst = 1 }),
        "ddn" => new DecoupledDirectionNorm(new DdnOptions { Steps = 30 }),
        "ead" => new ElasticNet(new EadOptions { Steps = 50, BinarySearchSteps = 3, InitialConst = 1 }),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Should_leave_the_inputs_unchanged_and_return_points_inside_the_box_When_attacking(string name)
    {
        // Given
        using var network = new SmallNetwork();
        var before = network.Inputs.ToBytes();

        // When
        using var result = Create(name).Run(network.Model, network.Inputs, new Misclassification(network.Labels));

        // Then
        network.Inputs.ToBytes().ShouldBe(before);
        using var scope = TensorScope.Begin();
        result.Raw[0].IsSameAs(network.Inputs).ShouldBeFalse();
        result.Raw[0].Min().ToDouble().ShouldBeGreaterThanOrEqualTo(0);
        result.Raw[0].Max().ToDouble().ShouldBeLessThanOrEqualTo(1);
        result.RawSuccess.Any().ToBoolean().ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Should_report_success_and_norms_as_predicting_again_gives_When_attacking(string name)
    {
        // Given
        using var network = new SmallNetwork();
        var attack = Create(name);

        // When
        using var result = attack.Run(network.Model, network.Inputs, new Misclassification(network.Labels));

        // Then
        using var scope = TensorScope.Begin();
        var fooled = network.Model.Predict(result.Raw[0]).Ne(network.Labels).ToArray<bool>();
        result.RawSuccess.ToArray<bool>().ShouldBe(fooled);
        var measured = attack.Norm.Measure(result.Raw[0].Sub(network.Inputs)).ToArray<double>();
        var norms = result.Norms.ToArray<double>();
        for (var i = 0; i < norms.Length; i++)
        {
            norms[i].ShouldBe(fooled[i] ? measured[i] : double.PositiveInfinity, $"sample {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Should_return_identical_results_When_run_twice_with_one_seed(string name)
    {
        // Given
        using var network = new SmallNetwork();
        var criterion = new Misclassification(network.Labels);

        // When
        using var first = Create(name).Run(network.Model, network.Inputs, criterion, seed: 5);
        using var second = Create(name).Run(network.Model, network.Inputs, criterion, seed: 5);

        // Then
        second.Raw[0].ToBytes().ShouldBe(first.Raw[0].ToBytes());
        second.GradientEvaluations.ShouldBe(first.GradientEvaluations);
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Should_land_on_the_target_When_attacking_with_a_targeted_criterion(string name)
    {
        // Given: each input's target is the class after its label
        using var network = new SmallNetwork();
        using var targets = NextClass(network.Labels);

        // When
        using var result = Create(name).Run(network.Model, network.Inputs, new TargetedMisclassification(targets));

        // Then
        using var predicted = network.Model.Predict(result.Raw[0]);
        var success = result.RawSuccess.ToArray<bool>();
        success.Count(s => s).ShouldBeGreaterThanOrEqualTo(success.Length * 3 / 4);
        var landed = predicted.ToArray<long>();
        var wanted = targets.ToArray<long>();
        for (var i = 0; i < success.Length; i++)
        {
            landed[i].ShouldBe(success[i] ? wanted[i] : network.Labels.ToArray<long>()[i], $"sample {i}");
        }
    }

    [Theory]
    [MemberData(nameof(BatchIndependentAttacks))]
    public void Should_give_a_slice_the_result_it_gets_alone_When_attacking_part_of_a_batch(string name)
    {
        // Given
        using var network = new SmallNetwork();
        using var slice = network.Inputs.Narrow(0, 3, 5).Contiguous();
        using var sliceLabels = network.Labels.Narrow(0, 3, 5).Contiguous();

        // When
        using var whole = Create(name).Run(network.Model, network.Inputs, new Misclassification(network.Labels));
        using var alone = Create(name).Run(network.Model, slice, new Misclassification(sliceLabels));

        // Then: the same up to the rounding of matrix products, which differs with the batch size (about 1e-16 here)
        using var fromWhole = whole.Raw[0].Narrow(0, 3, 5);
        alone.Raw[0].AllClose(fromWhole, rtol: 0, atol: 1e-9).ShouldBeTrue();
        alone.RawSuccess.ToArray<bool>().ShouldBe(whole.RawSuccess.Narrow(0, 3, 5).ToArray<bool>());
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Should_return_an_input_unchanged_and_spend_nothing_on_it_When_it_is_adversarial_already(string name)
    {
        // Given: every label wrong, so every input already meets the criterion
        using var network = new SmallNetwork();
        using var wrong = NextClass(network.Labels);

        // When
        using var result = Create(name).Run(network.Model, network.Inputs, new Misclassification(wrong));

        // Then
        result.Raw[0].ToBytes().ShouldBe(network.Inputs.ToBytes());
        result.Norms.ToArray<double>().ShouldAllBe(n => n == 0);
        result.GradientEvaluations.ShouldBe(0);
    }

    [Theory]
    [InlineData("cw")]
    [InlineData("ead")]
    public void Should_reach_the_logit_margin_kappa_When_confidence_is_positive(string name)
    {
        // Given
        using var network = new SmallNetwork();
        var attack = name == "cw"
            ? (MinimumNormAttack)new CarliniWagnerL2(((CarliniWagnerL2)Create(name)).Options with { Confidence = 0.3 })
            : new ElasticNet(((ElasticNet)Create(name)).Options with { Confidence = 0.3 });

        // When
        using var result = attack.Run(network.Model, network.Inputs, new Misclassification(network.Labels));

        // Then: max_{k≠y} Z_k − Z_y ≥ κ wherever an adversarial was found
        using var scope = TensorScope.Begin();
        var margins = AttackContext.Margin(network.Model.Logits(result.Raw[0]), network.Labels, targeted: false).ToArray<double>();
        var success = result.RawSuccess.ToArray<bool>();
        success.ShouldContain(true);
        for (var i = 0; i < success.Length; i++)
        {
            if (success[i])
            {
                margins[i].ShouldBeGreaterThanOrEqualTo(0.3 - 1e-9, $"sample {i}");
            }
        }
    }

    [Fact]
    public void Should_reject_out_of_range_settings_When_constructed()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new CarliniWagnerL2(new CarliniWagnerOptions { Steps = 0 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new CarliniWagnerL2(new CarliniWagnerOptions { Confidence = -1 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new DecoupledDirectionNorm(new DdnOptions { Gamma = 1 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new DecoupledDirectionNorm(new DdnOptions { Levels = 1 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new ElasticNet(new EadOptions { Beta = -1e-3 }));
        Should.Throw<ArgumentOutOfRangeException>(() => new ElasticNet(new EadOptions { BinarySearchSteps = 0 }));
    }

    /// <summary>(label + 1) mod 5, int64.</summary>
    private static Tensor NextClass(Tensor labels)
    {
        var next = labels.ToArray<long>().Select(l => (l + 1) % 5).ToArray();
        return Torch.Torch.FromArray(next, next.Length);
    }
}
