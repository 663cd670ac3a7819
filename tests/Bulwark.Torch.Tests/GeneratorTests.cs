using Bulwark.TestKit;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>
/// Reproducibility: a seed fixes every random stream bit for bit, and a saved state replays it. Several
/// tests reseed libtorch's default generator, so the class runs alone.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public sealed class GeneratorTests
{
    // Every random creation function, drawn in sequence from one generator, as raw bytes.
    private static byte[][] DrawAll(Generator generator)
    {
        using var scope = TensorScope.Begin();
        var probabilities = Torch.Full([64], 0.5, DType.Float64);
        return
        [
            Torch.Randn([64], generator).ToBytes(),
            Torch.Randn([16], generator, DType.Float64).ToBytes(),
            Torch.Rand([64], generator).ToBytes(),
            Torch.Randint(0, 1000, [64], generator).ToBytes(),
            Torch.Randint(-5, 5, [8], generator, DType.Int32).ToBytes(),
            Torch.Randperm(64, generator).ToBytes(),
            Torch.Bernoulli(probabilities, generator).ToBytes(),
            Torch.Empty([16], DType.Float64).Normal_(1, 2, generator).ToBytes(),
            Torch.Empty([16]).Uniform_(-1, 1, generator).ToBytes(),
        ];
    }

    [Fact]
    public void Should_draw_identical_bits_from_every_random_function_When_two_generators_share_a_seed()
    {
        // Given
        using var first = new Generator(1234);
        using var second = new Generator(1234);

        // When
        var a = DrawAll(first);
        var b = DrawAll(second);

        // Then
        for (var i = 0; i < a.Length; i++)
        {
            a[i].ShouldBe(b[i], $"random function {i}");
        }
    }

    [Fact]
    public void Should_draw_different_numbers_When_seeds_differ()
    {
        // Given
        using var first = new Generator(1);
        using var second = new Generator(2);

        // When
        var a = DrawAll(first);
        var b = DrawAll(second);

        // Then
        a[0].ShouldNotBe(b[0]);
        a[3].ShouldNotBe(b[3]);
        a[5].ShouldNotBe(b[5]);
    }

    [Fact]
    public void Should_restart_the_stream_and_report_the_seed_When_a_generator_is_reseeded()
    {
        // Given
        using var generator = new Generator(5);
        var first = DrawAll(generator);

        // When
        generator.ManualSeed(5);
        var again = DrawAll(generator);

        // Then
        generator.InitialSeed.ShouldBe(5UL);
        again.ShouldBe(first);
    }

    [Fact]
    public void Should_replay_the_stream_When_a_saved_generator_state_is_restored()
    {
        // Given: the state after some draws, saved as bytes
        using var generator = new Generator(99);
        _ = DrawAll(generator);
        var state = generator.GetState();
        var expected = DrawAll(generator);

        // When
        using var other = new Generator(7);
        other.SetState(state);
        var replayed = DrawAll(other);
        generator.SetState(state);
        var replayedBySelf = DrawAll(generator);

        // Then
        state.ShouldNotBeEmpty();
        replayed.ShouldBe(expected);
        replayedBySelf.ShouldBe(expected);
    }

    [Fact]
    public void Should_make_dropout_and_default_draws_reproducible_When_the_default_generator_is_seeded()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones(256);

        // When
        Torch.ManualSeed(42);
        var dropout = Functional.Dropout(x, 0.5).ToBytes();
        var randn = Torch.Randn(32).ToBytes();
        Torch.ManualSeed(42);
        var dropoutAgain = Functional.Dropout(x, 0.5).ToBytes();
        var randnAgain = Torch.Randn(32).ToBytes();
        var dropoutNext = Functional.Dropout(x, 0.5).ToBytes();

        // Then
        dropoutAgain.ShouldBe(dropout);
        randnAgain.ShouldBe(randn);
        dropoutNext.ShouldNotBe(dropout);
    }

    [CudaFact]
    public void Should_make_gpu_dropout_reproducible_When_the_default_generator_is_seeded()
    {
        // Given: dropout on a GPU draws from that device's generator, not from the CPU one
        using var scope = TensorScope.Begin();
        var x = Torch.Ones([4096], device: Device.Cuda());

        // When
        Torch.ManualSeed(42);
        var first = Functional.Dropout(x, 0.5).ToBytes();
        Torch.ManualSeed(42);
        var again = Functional.Dropout(x, 0.5).ToBytes();

        // Then
        again.ShouldBe(first);
    }

    [Fact]
    public void Should_replay_dropout_and_default_draws_When_the_default_rng_state_is_restored()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones(256);
        Torch.ManualSeed(7);
        _ = Torch.Rand(10);
        var state = Torch.GetRngState();
        var dropout = Functional.Dropout(x, 0.3).ToBytes();
        var rand = Torch.Rand(16).ToBytes();

        // When
        Torch.ManualSeed(123);
        Torch.SetRngState(state);
        var dropoutReplayed = Functional.Dropout(x, 0.3).ToBytes();
        var randReplayed = Torch.Rand(16).ToBytes();

        // Then
        dropoutReplayed.ShouldBe(dropout);
        randReplayed.ShouldBe(rand);
    }

    [Fact]
    public void Should_draw_what_the_default_generator_draws_When_both_have_the_same_seed()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(2024);
        Torch.ManualSeed(2024);

        // When
        var fromDefault = Torch.Randn(16).ToBytes();
        var fromGenerator = Torch.Randn([16], generator).ToBytes();

        // Then
        fromGenerator.ShouldBe(fromDefault);
    }

    [Fact]
    public void Should_reject_a_state_of_the_wrong_size_and_keep_the_stream_When_restoring_the_default_generator()
    {
        // Given
        using var scope = TensorScope.Begin();
        Torch.ManualSeed(5);
        var expected = Torch.Rand(8).ToBytes();
        Torch.ManualSeed(5);

        // When
        var error = Should.Throw<TorchException>(() => Torch.SetRngState(new byte[3]));
        var actual = Torch.Rand(8).ToBytes();

        // Then
        error.Message.ShouldNotContain("Exception raised from");
        actual.ShouldBe(expected);
    }

    [Fact]
    public void Should_not_touch_the_default_stream_When_a_private_generator_draws()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(3);
        Torch.ManualSeed(11);
        var expected = Torch.Randn(8).ToBytes();

        // When
        Torch.ManualSeed(11);
        _ = Torch.Randn([100], generator);
        var actual = Torch.Randn(8).ToBytes();

        // Then
        actual.ShouldBe(expected);
    }

    [Fact]
    public void Should_reject_a_state_of_the_wrong_size_When_restoring_a_generator()
    {
        // Given
        using var generator = new Generator(1);

        // When
        var error = Should.Throw<TorchException>(() => generator.SetState(new byte[10]));

        // Then
        error.Message.ShouldNotContain("Exception raised from");
        DrawAll(generator).Length.ShouldBe(9);
    }
}
