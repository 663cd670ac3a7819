using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Contract;

using Torch = Bulwark.Torch.Torch;

/// <summary>The contract's invariants, checked for every entry of <see cref="AttackTable"/> against every test target.</summary>
public sealed class AttackContractTests(ObservedRuns runs) : IClassFixture<ObservedRuns>
{
    public static TheoryData<string, string> Entries => AttackTable.NamesAndTargets();

    public static TheoryData<string, string> MinimumNormEntries => AttackTable.NamesAndTargetsWhere((_, attack) => attack is MinimumNormAttack);

    public static TheoryData<string, string> FixedEpsilonEntries => AttackTable.NamesAndTargetsWhere((_, attack) => attack is FixedEpsilonAttack);

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_report_one_clipped_batch_and_one_success_row_per_epsilon_When_any_attack_runs(string entry, string target)
    {
        // Given / When
        var run = runs.Get(entry, target);
        var result = run.Result;
        var n = run.Inputs.Size(0);

        // Then
        result.Epsilons.ShouldBe(run.Epsilons);
        result.Clipped.Count.ShouldBe(run.Epsilons.Length);
        result.Clipped.ShouldAllBe(c => c.Shape.SequenceEqual(run.Inputs.Shape) && c.DType == run.Inputs.DType);
        result.Raw.Count.ShouldBe(run.Attack is MinimumNormAttack ? 1 : run.Epsilons.Length);
        result.Raw.ShouldAllBe(r => r.Shape.SequenceEqual(run.Inputs.Shape) && r.DType == run.Inputs.DType);
        result.Success.Shape.ShouldBe([run.Epsilons.Length, n]);
        result.RawSuccess.Shape.ShouldBe([n]);
        result.Norms.Shape.ShouldBe([n]);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_keep_raw_and_clipped_outputs_inside_the_box_When_any_attack_runs(string entry, string target)
    {
        // Given / When
        var run = runs.Get(entry, target);
        var bounds = run.Target.Model.Bounds;

        // Then
        foreach (var (output, what) in run.Result.Raw.Select((r, i) => (r, $"raw {i}"))
            .Concat(run.Result.Clipped.Select((c, i) => (c, $"clipped at ε = {run.Epsilons[i]}"))))
        {
            using var scope = TensorScope.Begin();
            output.IsNaN().Any().ToBoolean().ShouldBeFalse($"{run}: {what} holds NaN");
            output.Min().ToDouble().ShouldBeGreaterThanOrEqualTo(bounds.Low, $"{run}: {what}");
            output.Max().ToDouble().ShouldBeLessThanOrEqualTo(bounds.High, $"{run}: {what}");
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_keep_every_clipped_output_inside_its_epsilon_ball_When_any_attack_runs(string entry, string target)
    {
        // Given / When
        var run = runs.Get(entry, target);

        // Then
        for (var i = 0; i < run.Epsilons.Length; i++)
        {
            using var scope = TensorScope.Begin();
            var epsilon = run.Epsilons[i];
            var norms = run.Attack.Norm.Measure(run.Result.Clipped[i].Sub(run.Inputs)).Doubles();
            norms.Max().ShouldBeLessThanOrEqualTo(epsilon + Tolerances.Ball(epsilon, run.Inputs.DType), $"{run} at ε = {epsilon}");
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_return_the_inputs_and_succeed_only_where_already_misclassified_When_epsilon_is_zero(string entry, string target)
    {
        // Given / When
        var run = runs.Get(entry, target);
        run.Epsilons[0].ShouldBe(0);

        // Then
        run.Result.Clipped[0].ToBytes().ShouldBe(run.InputsBefore, $"{run}: the clipped output at ε = 0");
        using var scope = TensorScope.Begin();
        var misclassified = run.Target.MeetsCriterion(run.Inputs, new Misclassification(run.Labels));
        misclassified.Any().ToBoolean().ShouldBeTrue("every fourth test input is labelled wrongly");
        run.Result.Success[0].ToArray<bool>().ShouldBe(misclassified.ToArray<bool>());
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_leave_the_callers_inputs_and_labels_untouched_When_any_attack_runs(string entry, string target)
    {
        // Given / When
        var run = runs.Get(entry, target);

        // Then
        run.Inputs.ToBytes().ShouldBe(run.InputsBefore, $"{run}: inputs");
        run.Labels.ToBytes().ShouldBe(run.LabelsBefore, $"{run}: labels");
        run.Result.Raw.Concat(run.Result.Clipped).ShouldAllBe(t => !t.IsSameAs(run.Inputs));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_report_the_success_that_predicting_again_gives_When_any_attack_runs(string entry, string target)
    {
        // Given / When
        var run = runs.Get(entry, target);
        var criterion = new Misclassification(run.Labels);

        // Then
        using var scope = TensorScope.Begin();
        for (var i = 0; i < run.Epsilons.Length; i++)
        {
            var predicted = run.Target.MeetsCriterion(run.Result.Clipped[i], criterion);
            run.Result.Success[i].ToArray<bool>().ShouldBe(predicted.ToArray<bool>(), $"{run} at ε = {run.Epsilons[i]}");
        }

        var raw = run.Result.Raw.Select(r => run.Target.MeetsCriterion(r, criterion)).ToList();
        var anyRaw = Torch.Stack(raw).Any(0);
        run.Result.RawSuccess.ToArray<bool>().ShouldBe(anyRaw.ToArray<bool>(), $"{run}: raw success");
    }

    [Theory]
    [MemberData(nameof(MinimumNormEntries))]
    public void Should_report_the_raw_perturbation_norm_or_infinity_When_a_minimum_norm_attack_runs(string entry, string target)
    {
        // Given / When
        var run = runs.Get(entry, target);

        // Then
        using var scope = TensorScope.Begin();
        var measured = run.Attack.Norm.Measure(run.Result.Raw[0].Sub(run.Inputs)).Doubles();
        var success = run.Result.RawSuccess.ToArray<bool>();
        var norms = run.Result.Norms.Doubles();
        Enumerable.Range(0, norms.Length).ShouldContain(i => success[i] && norms[i] > 0, $"{run} broke no correctly classified input");
        for (var i = 0; i < norms.Length; i++)
        {
            norms[i].ShouldBe(success[i] ? measured[i] : double.PositiveInfinity, $"{run}: sample {i}");
        }
    }

    [Theory]
    [MemberData(nameof(FixedEpsilonEntries))]
    public void Should_report_the_norm_at_the_smallest_successful_epsilon_When_a_fixed_epsilon_attack_runs(string entry, string target)
    {
        // Given / When
        var run = runs.Get(entry, target);

        // Then
        using var scope = TensorScope.Begin();
        var success = run.Result.Success.ToArray<bool>();
        var norms = run.Result.Norms.Doubles();
        var n = norms.Length;
        var measured = run.Result.Clipped.Select(c => run.Attack.Norm.Measure(c.Sub(run.Inputs)).Doubles()).ToList();
        for (var i = 0; i < n; i++)
        {
            var first = Enumerable.Range(0, run.Epsilons.Length).Where(e => success[e * n + i]).DefaultIfEmpty(-1).First();
            norms[i].ShouldBe(first < 0 ? double.PositiveInfinity : measured[first][i], $"{run}: sample {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_restore_training_mode_and_leave_parameters_and_buffers_untouched_When_any_attack_runs(string entry, string target)
    {
        // Given / When
        var run = runs.Get(entry, target);

        // Then
        run.ModulesInEvaluationMode.ShouldBeEmpty($"{run}: modules left in evaluation mode");
        run.ParametersWithGradient.ShouldBeEmpty($"{run}: parameters given a gradient");
        run.ParametersLeftFrozen.ShouldBeEmpty($"{run}: parameters left without requires_grad");
        run.ChangedState.ShouldBeEmpty($"{run}: parameters or buffers changed");
    }
}
