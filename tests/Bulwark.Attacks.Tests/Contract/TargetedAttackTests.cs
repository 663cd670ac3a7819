using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks.Tests.Contract;

/// <summary>Attacks that support targeted criteria move towards the target, and iterative ones reach it.</summary>
public sealed class TargetedAttackTests
{
    public static TheoryData<string, string> IterativeTargetedEntries =>
        AttackTable.NamesAndTargetsWhere((_, attack) => attack.SupportsTargeted && attack is not FastGradientMethod);

    public static TheoryData<string, string> SingleStepEntries => AttackTable.NamesAndTargetsWhere((_, attack) => attack is FastGradientMethod);

    [Theory]
    [MemberData(nameof(IterativeTargetedEntries))]
    public void Should_land_on_the_target_for_most_inputs_When_an_iterative_attack_is_targeted(string entry, string target)
    {
        // Given: a radius that spans the box
        using var given = TestTarget.Create(target);
        var attack = AttackTable.Get(entry).Create();
        double[] epsilons = attack is MinimumNormAttack ? [] : [AttackTable.Unbounded(attack.Norm)];
        var criterion = new TargetedMisclassification(given.Targets);

        // When
        using var result = attack.Run(given.Model, given.Inputs, criterion, epsilons);

        // Then
        using var scope = TensorScope.Begin();
        var landed = result.Raw.Select(r => given.MeetsCriterion(r, criterion)).Aggregate((a, b) => a.LogicalOr(b));
        landed.ToArray<bool>().ShouldBe(result.RawSuccess.ToArray<bool>());
        var rate = landed.To(DType.Float64).Mean().ToDouble();
        rate.ShouldBeGreaterThan(0.5, $"{entry} on {target}: {rate:P0} landed on the target");
    }

    [Theory]
    [MemberData(nameof(SingleStepEntries))]
    public void Should_lower_the_targets_cross_entropy_for_every_input_When_a_single_step_attack_is_targeted(string entry, string target)
    {
        // Given: a step small enough for the linearisation to hold, where the loss falls by ε times the gradient's dual norm
        using var given = TestTarget.Create(target);
        var attack = AttackTable.Get(entry).Create();
        var criterion = new TargetedMisclassification(given.Targets);

        // When
        using var result = attack.Run(given.Model, given.Inputs, criterion, [1e-3]);

        // Then
        using var scope = TensorScope.Begin();
        using var eval = given.Model.EvaluationMode();
        using var noGrad = Autograd.NoGrad();
        var before = Functional.CrossEntropy(given.Model.Logits(given.Inputs), given.Targets, Reduction.None).Doubles();
        var after = Functional.CrossEntropy(given.Model.Logits(result.Clipped[0]), given.Targets, Reduction.None).Doubles();
        for (var i = 0; i < before.Length; i++)
        {
            after[i].ShouldBeLessThan(before[i], $"{entry} on {target}: sample {i}");
        }
    }
}
