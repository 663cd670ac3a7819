using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Gradient;

using Torch = Bulwark.Torch.Torch;

/// <summary>Auto-PGD's parts: the DLR losses, the checkpoint schedule, the gradient budget and the refusals.</summary>
public sealed class AutoPgdTests
{
    [Theory]
    [InlineData(0, 1.5)]   // label logit 1, best other 4, z_π1 − z_π3 = 4 − 2: −(1 − 4)/2
    [InlineData(1, -0.5)]  // label logit 4 on top, best other 3: −(4 − 3)/2
    [InlineData(3, 0.5)]   // label logit 3, best other 4: −(3 − 4)/2
    public void Should_equal_the_hand_computed_ratio_When_the_DLR_loss_is_evaluated(long label, double expected)
    {
        // Given
        using var logits = Torch.FromArray(new[] { 1.0, 4.0, 2.0, 3.0 }, 1, 4);
        using var labels = Torch.FromArray(new[] { label }, 1);

        // When
        using var loss = AutoProjectedGradientDescent.DifferenceOfLogitsRatio(logits, labels);

        // Then
        loss.ToDouble().ShouldBe(expected, 1e-9);
    }

    [Fact]
    public void Should_equal_the_hand_computed_ratio_When_the_targeted_DLR_loss_is_evaluated()
    {
        // Given: sorted logits 4, 3, 2, 1, 0, so z_π1 − (z_π3 + z_π4)/2 = 4 − 1.5; from class 1 (logit 4) to target 3 (logit 3)
        using var logits = Torch.FromArray(new[] { 1.0, 4.0, 2.0, 3.0, 0.0 }, 1, 5);
        using var labels = Torch.FromArray(new[] { 1L }, 1);
        using var targets = Torch.FromArray(new[] { 3L }, 1);

        // When
        using var loss = AutoProjectedGradientDescent.TargetedDifferenceOfLogitsRatio(logits, labels, targets);

        // Then: −(4 − 3)/2.5
        loss.ToDouble().ShouldBe(-0.4, 1e-9);
    }

    [Fact]
    public void Should_not_change_When_the_logits_are_shifted_and_scaled_by_a_positive_factor()
    {
        // Given
        using var generator = new Generator(5);
        using var logits = Torch.Randn([32, 10], generator, DType.Float64);
        using var labels = Torch.Randint(0, 10, [32], generator);
        using var targets = Shifted(labels, 10);
        using var scaled = logits.Mul(7.5).Add(-3);

        // When
        using var plain = AutoProjectedGradientDescent.DifferenceOfLogitsRatio(logits, labels);
        using var moved = AutoProjectedGradientDescent.DifferenceOfLogitsRatio(scaled, labels);
        using var plainTargeted = AutoProjectedGradientDescent.TargetedDifferenceOfLogitsRatio(logits, labels, targets);
        using var movedTargeted = AutoProjectedGradientDescent.TargetedDifferenceOfLogitsRatio(scaled, labels, targets);

        // Then
        moved.AllClose(plain, 1e-9, 1e-9).ShouldBeTrue();
        movedTargeted.AllClose(plainTargeted, 1e-9, 1e-9).ShouldBeTrue();
    }

    [Theory]
    [InlineData(100)]
    [InlineData(20)]
    [InlineData(37)]
    [InlineData(250)]
    [InlineData(1000)]
    public void Should_place_the_checkpoints_at_the_ceiling_of_p_j_times_N_When_the_schedule_is_built(int steps)
    {
        // Given: the paper's recurrence, in exact decimal arithmetic
        var expected = new List<int>();
        var (previous, current) = (0m, 0.22m);
        while (Math.Ceiling(current * steps) <= steps)
        {
            var checkpoint = (int)Math.Ceiling(current * steps);
            if (expected.Count == 0 || checkpoint > expected[^1])
            {
                expected.Add(checkpoint);
            }

            (previous, current) = (current, current + Math.Max(current - previous - 0.03m, 0.06m));
        }

        // When
        var checkpoints = AutoProjectedGradientDescent.Checkpoints(steps);

        // Then
        checkpoints.ShouldBe(expected);
    }

    [Fact]
    public void Should_match_AutoAttacks_interval_schedule_When_there_are_100_steps()
    {
        // Given: the reference's intervals: first ⌊0.22·N⌋, then ⌊0.03·N⌋ shorter each time, never below ⌊0.06·N⌋
        const int steps = 100;
        var expected = new List<int>();
        var (at, interval) = (0, 22);
        while (at + interval <= steps)
        {
            at += interval;
            expected.Add(at);
            interval = Math.Max(interval - 3, 6);
        }

        // When
        var checkpoints = AutoProjectedGradientDescent.Checkpoints(steps);

        // Then
        checkpoints.ShouldBe(expected);
    }

    [Theory]
    [InlineData(ApgdLoss.CrossEntropy)]
    [InlineData(ApgdLoss.DifferenceOfLogitsRatio)]
    public void Should_spend_one_gradient_per_step_and_one_at_the_start_for_every_input_When_no_input_is_broken(ApgdLoss loss)
    {
        // Given: a radius far below every margin
        using var affine = new AffineClassifier(classes: 4);
        var attack = new AutoProjectedGradientDescent(Norm.Linf, new ApgdOptions { Steps = 7, Loss = loss });

        // When
        using var result = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels), [1e-6]);

        // Then
        result.Success.Any().ToBoolean().ShouldBeFalse();
        result.GradientEvaluations.ShouldBe((7 + 1) * affine.Inputs.Size(0));
    }

    [Fact]
    public void Should_stop_spending_gradients_on_broken_inputs_When_the_radius_spans_the_box()
    {
        // Given
        using var affine = new AffineClassifier(classes: 4);
        var attack = new AutoProjectedGradientDescent(Norm.Linf, new ApgdOptions { Steps = 50 });

        // When
        using var result = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels), [50]);

        // Then
        result.Success.All().ToBoolean().ShouldBeTrue();
        result.GradientEvaluations.ShouldBeLessThan(51 * affine.Inputs.Size(0));
    }

    [Theory]
    [InlineData(ApgdLoss.CrossEntropy, "apgd-ce")]
    [InlineData(ApgdLoss.DifferenceOfLogitsRatio, "apgd-dlr")]
    public void Should_be_named_after_its_loss_When_created_directly_or_from_the_catalog(ApgdLoss loss, string name)
    {
        // When
        var direct = new AutoProjectedGradientDescent(Norm.L2, new ApgdOptions { Loss = loss });
        var listed = AttackCatalog.Create(name, new AttackSettings { Norm = Norm.L2 });

        // Then
        direct.Name.ShouldBe(name);
        listed.Name.ShouldBe(name);
        listed.Norm.ShouldBe(Norm.L2);
        ((AutoProjectedGradientDescent)listed).Options.Steps.ShouldBe(100);
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void Should_throw_ArgumentException_naming_the_classes_When_the_DLR_loss_has_too_few(int classes, bool targeted)
    {
        // Given
        using var affine = new AffineClassifier(classes: classes);
        var attack = new AutoProjectedGradientDescent(Norm.Linf, new ApgdOptions { Loss = ApgdLoss.DifferenceOfLogitsRatio });
        using var targets = Shifted(affine.Labels, classes);
        Criterion criterion = targeted ? new TargetedMisclassification(targets) : new Misclassification(affine.Labels);

        // When
        var error = Should.Throw<ArgumentException>(() => attack.Run(affine.Model, affine.Inputs, criterion, [0.1]));

        // Then
        error.ParamName.ShouldBe("model");
        error.Message.ShouldContain($"needs at least {(targeted ? 4 : 3)} classes");
        error.Message.ShouldContain($"the model has {classes}");
    }

    [Fact]
    public void Should_throw_ArgumentException_When_the_norm_is_not_linf_or_l2()
    {
        var error = Should.Throw<ArgumentException>(() => new AutoProjectedGradientDescent(Norm.L1));
        error.ParamName.ShouldBe("norm");
    }

    [Theory]
    [InlineData(0, 0.75, 0.75, 2)]
    [InlineData(10, 0, 0.75, 2)]
    [InlineData(10, 0.75, 1.5, 2)]
    [InlineData(10, 0.75, 0.75, 0)]
    public void Should_throw_ArgumentOutOfRangeException_When_an_option_is_out_of_range(int steps, double momentum, double rho, double initial)
    {
        var options = new ApgdOptions { Steps = steps, Momentum = momentum, Rho = rho, InitialStepSize = initial };
        Should.Throw<ArgumentOutOfRangeException>(() => new AutoProjectedGradientDescent(Norm.Linf, options)).ParamName.ShouldBe("options");
    }

    /// <summary>Each label's next class, cyclically: a target that differs from the label.</summary>
    private static Tensor Shifted(Tensor labels, int classes)
    {
        var next = labels.ToArray<long>().Select(l => (l + 1) % classes).ToArray();
        return Torch.FromArray(next, next.Length);
    }
}
