using Bulwark.Torch.Nn;
using static Bulwark.Torch.Tests.Nn.NnTestKit;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// Inverted dropout: identity in evaluation mode; in training mode each element is zeroed with probability p and
/// the survivors are scaled by 1/(1 − p), so the expectation is unchanged. It draws from the default generator,
/// so these tests seed it and run alone.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public sealed class DropoutTests
{
    [Fact]
    public void Should_return_the_input_values_When_dropout_is_in_eval_mode()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var dropout = new Dropout(0.9);
        dropout.Eval();
        using var generator = new Generator(41);
        var x = Torch.Randn([64, 64], generator);

        // When
        var y = dropout.Forward(x);

        // Then
        y.ToBytes().ShouldBe(x.ToBytes());
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void Should_zero_about_p_of_the_entries_and_scale_the_rest_When_dropout_is_in_training_mode(double p)
    {
        // Given: 200,000 entries equal to 3
        using var scope = TensorScope.Begin();
        using var dropout = new Dropout(p);
        Torch.ManualSeed(42);
        const int n = 200_000;
        var x = Torch.Full([n], 3.0);

        // When
        var y = Values(dropout.Forward(x));

        // Then: the zero count is Binomial(n, p), and every survivor is 3 / (1 − p)
        dropout.Training.ShouldBeTrue();
        var zeroFraction = y.Count(v => v == 0) / (double)n;
        var standardError = Math.Sqrt(p * (1 - p) / n);
        Math.Abs(zeroFraction - p).ShouldBeLessThanOrEqualTo(StandardErrors * standardError, $"zero fraction {zeroFraction}");
        var survivor = 3 / (1 - p);
        y.Where(v => v != 0).ShouldAllBe(v => Math.Abs(v - survivor) <= 1e-6 * survivor);
    }

    [Fact]
    public void Should_drop_the_same_entries_When_the_default_generator_is_reseeded()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var dropout = new Dropout(0.5);
        var x = Torch.Ones(1000);

        // When
        Torch.ManualSeed(43);
        var first = dropout.Forward(x);
        Torch.ManualSeed(43);
        var second = dropout.Forward(x);
        Torch.ManualSeed(44);
        var third = dropout.Forward(x);

        // Then
        second.ToBytes().ShouldBe(first.ToBytes());
        third.ToBytes().ShouldNotBe(first.ToBytes());
    }

    [Fact]
    public void Should_be_the_identity_at_p_0_and_all_zeros_at_p_1_When_training()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var keepAll = new Dropout(0);
        using var dropAll = new Dropout(1);
        Torch.ManualSeed(45);
        var x = Torch.Randn(500);

        // When
        var kept = keepAll.Forward(x);
        var dropped = dropAll.Forward(x);

        // Then
        kept.ToBytes().ShouldBe(x.ToBytes());
        Values(dropped).ShouldAllBe(v => v == 0);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Should_throw_When_the_dropout_probability_is_outside_0_to_1(double p)
    {
        // Given / When / Then
        Should.Throw<ArgumentOutOfRangeException>(() => new Dropout(p));
    }

    [Fact]
    public void Should_pass_gradients_only_through_kept_entries_When_training()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var dropout = new Dropout(0.25);
        Torch.ManualSeed(46);
        var x = Torch.Ones(400).RequiresGrad_();

        // When
        var y = dropout.Forward(x);
        var gradient = Autograd.Grad(y.Sum(), x);

        // Then: ∂y/∂x is the mask scaled by 1/(1 − p), i.e. y itself when x = 1
        gradient.AllClose(y.Detach(), rtol: 0, atol: 1e-6).ShouldBeTrue();
    }
}
