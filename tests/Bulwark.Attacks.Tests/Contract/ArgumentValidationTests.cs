using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Contract;

using Torch = Bulwark.Torch.Torch;

/// <summary>Every attack refuses bad arguments before any work, each with its own exception and a message that says what is wrong.</summary>
public sealed class ArgumentValidationTests
{
    public static TheoryData<string> Entries => AttackTable.Names();

    public static TheoryData<string> UntargetedOnlyEntries => AttackTable.Names(attack => !attack.SupportsTargeted);

    public static TheoryData<string> FixedEpsilonEntries => AttackTable.Names(attack => attack is FixedEpsilonAttack);

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_throw_ArgumentException_naming_the_box_When_inputs_lie_outside_it(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");
        using var inputs = given.Inputs.Mul(1.5);

        // When
        var error = Should.Throw<ArgumentException>(() => Run(entry, given, inputs));

        // Then
        error.ParamName.ShouldBe("inputs");
        error.Message.ShouldContain("outside the model's box [0, 1]");
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_throw_ArgumentException_When_inputs_contain_NaN(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");
        using var inputs = given.Inputs.Clone();
        using (var pixel = inputs[2])
        {
            pixel.Fill_(double.NaN);
        }

        // When
        var error = Should.Throw<ArgumentException>(() => Run(entry, given, inputs));

        // Then
        error.ParamName.ShouldBe("inputs");
        error.Message.ShouldContain("NaN");
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_throw_ArgumentException_When_labels_and_inputs_differ_in_count(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");
        using var labels = given.Labels.Narrow(0, 0, 5);

        // When
        var error = Should.Throw<ArgumentException>(() => Run(entry, given, given.Inputs, new Misclassification(labels)));

        // Then
        error.ParamName.ShouldBe("criterion");
        error.Message.ShouldContain("5 labels for 8 inputs");
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_throw_ArgumentException_When_an_epsilon_is_negative(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");

        // When
        var error = Should.Throw<ArgumentException>(() => Run(entry, given, given.Inputs, epsilons: [0.1, -0.1]));

        // Then
        error.ParamName.ShouldBe("epsilons");
        error.Message.ShouldContain("non-negative");
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_throw_ArgumentException_When_an_epsilon_is_NaN(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");

        // When
        var error = Should.Throw<ArgumentException>(() => Run(entry, given, given.Inputs, epsilons: [double.NaN]));

        // Then
        error.ParamName.ShouldBe("epsilons");
    }

    [Theory]
    [MemberData(nameof(FixedEpsilonEntries))]
    public void Should_throw_ArgumentException_When_a_fixed_epsilon_attack_gets_no_epsilon(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");

        // When
        var error = Should.Throw<ArgumentException>(() => Run(entry, given, given.Inputs, epsilons: []));

        // Then
        error.ParamName.ShouldBe("epsilons");
        error.Message.ShouldContain("at least one epsilon");
    }

    [Theory]
    [MemberData(nameof(UntargetedOnlyEntries))]
    public void Should_throw_ArgumentException_When_an_untargeted_only_attack_gets_a_targeted_criterion(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");

        // When
        var error = Should.Throw<ArgumentException>(() => Run(entry, given, given.Inputs, new TargetedMisclassification(given.Targets)));

        // Then
        error.ParamName.ShouldBe("criterion");
        error.Message.ShouldContain("untargeted only");
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_throw_ObjectDisposedException_When_the_inputs_are_disposed(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");
        var inputs = given.Inputs.Clone();
        inputs.Dispose();

        // When / Then
        Should.Throw<ObjectDisposedException>(() => Run(entry, given, inputs));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_throw_ObjectDisposedException_When_the_labels_are_disposed(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");
        var labels = given.Labels.Clone();
        labels.Dispose();

        // When / Then
        Should.Throw<ObjectDisposedException>(() => Run(entry, given, given.Inputs, new Misclassification(labels)));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_throw_ObjectDisposedException_When_the_network_is_disposed(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");
        given.Model.Network.Dispose();

        // When / Then
        Should.Throw<ObjectDisposedException>(() => Run(entry, given, given.Inputs));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Should_throw_ArgumentException_When_inputs_are_not_a_batch(string entry)
    {
        // Given
        using var given = TestTarget.Create("conv");
        using var flat = Torch.Rand([64]);

        // When
        var error = Should.Throw<ArgumentException>(() => Run(entry, given, flat));

        // Then
        error.ParamName.ShouldBe("inputs");
    }

    private static void Run(string entry, TestTarget given, Tensor inputs, Criterion? criterion = null, double[]? epsilons = null)
    {
        var attack = AttackTable.Get(entry).Create();
        using var result = attack.Run(given.Model, inputs, criterion ?? new Misclassification(given.Labels),
            epsilons ?? AttackTable.Epsilons(attack.Norm));
    }
}
