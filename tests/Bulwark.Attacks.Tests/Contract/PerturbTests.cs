using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Contract;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// <see cref="FixedEpsilonAttack.Perturb"/>, the training-time entry point: the same points as <see cref="Attack.Run"/>'s
/// clipped result for one ε and seed, inside the ε-ball and the box, with the network's mode and parameters restored.
/// </summary>
public sealed class PerturbTests
{
    public static TheoryData<string, string, double> Cases => new()
    {
        { "fgsm", "conv", 0.1 },
        { "fgsm", "mlp", 0.3 },
        { "pgd", "conv", 0.1 },
        { "pgd", "mlp", 0.3 },
        { "pgd-l2", "mlp", 0.5 },
    };

    private static FixedEpsilonAttack Create(string name) => name switch
    {
        "fgsm" => new FastGradientMethod(Norm.Linf),
        // no early stop: every input takes all steps, as in adversarial training
        "pgd" => new ProjectedGradientDescent(Norm.Linf, new PgdOptions { Steps = 5, StopWhenAdversarial = false }),
        // an absolute step larger than ε: the iterates leave the ball and only the projections bring them back
        "pgd-l2" => new ProjectedGradientDescent(Norm.L2, new PgdOptions { Steps = 3, StepSize = 2.0 }),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_equal_the_clipped_result_of_Run_bitwise_When_given_the_same_epsilon_and_seed(string name, string target, double epsilon)
    {
        // Given
        using var given = TestTarget.Create(target);
        var attack = Create(name);
        var criterion = new Misclassification(given.Labels);
        using var expected = attack.Run(given.Model, given.Inputs, criterion, [epsilon], seed: 9);

        // When
        using var perturbed = attack.Perturb(given.Model, given.Inputs, criterion, epsilon, seed: 9);

        // Then
        perturbed.Shape.ShouldBe(given.Inputs.Shape);
        perturbed.ToBytes().ShouldBe(expected.Clipped[0].ToBytes());
        perturbed.RequiresGrad.ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_stay_inside_the_ball_and_the_box_and_move_the_inputs_When_perturbing(string name, string target, double epsilon)
    {
        // Given
        using var given = TestTarget.Create(target);
        var attack = Create(name);
        var before = given.Inputs.ToArray<float>();

        // When
        using var perturbed = attack.Perturb(given.Model, given.Inputs, new Misclassification(given.Labels), epsilon, seed: 3);

        // Then: measured here on the host, not by the library's norms
        var after = perturbed.ToArray<float>();
        given.Inputs.ToArray<float>().ShouldBe(before);
        after.ShouldAllBe(v => v >= 0f && v <= 1f);
        var perSample = before.Length / (int)given.Inputs.Size(0);
        for (var i = 0; i < given.Inputs.Size(0); i++)
        {
            var delta = Enumerable.Range(i * perSample, perSample).Select(j => (double)after[j] - before[j]).ToArray();
            var size = ReferenceEquals(attack.Norm, Norm.Linf) ? delta.Max(Math.Abs) : Math.Sqrt(delta.Sum(d => d * d));
            size.ShouldBeLessThanOrEqualTo(epsilon * (1 + 1e-5) + 1e-6, $"sample {i}");
            size.ShouldBeGreaterThan(0, $"sample {i} did not move");
        }
    }

    [Fact]
    public void Should_restore_training_mode_and_trainable_parameters_When_done()
    {
        // Given: TestTarget networks are in training mode with parameters that require gradients
        using var given = TestTarget.Create("conv");
        given.Model.Network.Training.ShouldBeTrue();

        // When
        using var perturbed = new FastGradientMethod().Perturb(given.Model, given.Inputs, new Misclassification(given.Labels), 0.1);

        // Then
        given.Model.Network.Training.ShouldBeTrue();
        given.Model.Network.Parameters().ShouldAllBe(p => p.RequiresGrad);
    }

    [Fact]
    public void Should_return_the_inputs_When_epsilon_is_zero()
    {
        // Given
        using var given = TestTarget.Create("mlp");

        // When
        using var perturbed = new FastGradientMethod().Perturb(given.Model, given.Inputs, new Misclassification(given.Labels), 0);

        // Then
        perturbed.ToBytes().ShouldBe(given.Inputs.ToBytes());
    }

    [Fact]
    public void Should_reject_bad_arguments_When_perturbing()
    {
        // Given
        using var given = TestTarget.Create("mlp");
        var attack = new FastGradientMethod();
        using var fewerLabels = given.Labels.Narrow(0, 0, 2);

        // Then
        Should.Throw<ArgumentException>(() => attack.Perturb(given.Model, given.Inputs, new Misclassification(given.Labels), -0.1));
        Should.Throw<ArgumentException>(() => attack.Perturb(given.Model, given.Inputs, new Misclassification(given.Labels), double.NaN));
        Should.Throw<ArgumentException>(() => attack.Perturb(given.Model, given.Inputs, new Misclassification(fewerLabels), 0.1));
        Should.Throw<ArgumentNullException>(() => attack.Perturb(null!, given.Inputs, new Misclassification(given.Labels), 0.1));
    }
}

/// <summary><see cref="FixedEpsilonAttack.Perturb"/> frees every tensor it makes but its result.</summary>
[Collection(LeakCheckCollection.Name)]
public sealed class PerturbLeakTests
{
    [Fact]
    public void Should_leave_only_the_result_alive_When_perturbing()
    {
        // Given
        using var given = TestTarget.Create("conv");
        var attack = new ProjectedGradientDescent(Norm.Linf, new PgdOptions { Steps = 5, StopWhenAdversarial = false });
        var criterion = new Misclassification(given.Labels);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Torch.LiveTensors;

        // When
        attack.Perturb(given.Model, given.Inputs, criterion, 0.1).Dispose();

        // Then
        (Torch.LiveTensors - before).ShouldBe(0);
    }

}
