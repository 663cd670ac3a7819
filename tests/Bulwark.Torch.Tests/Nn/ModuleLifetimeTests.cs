using Bulwark.TestKit;
using Bulwark.Torch.Models;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// Process-wide behaviour of modules: disposing frees every native tensor they own, a forward pass leaves only its
/// result, and the same seed builds the same weights bit for bit. These read the live-tensor count and seed the
/// default generator, so they run alone.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public sealed class ModuleLifetimeTests
{
    [Fact]
    public void Should_free_every_parameter_and_buffer_When_a_model_is_disposed()
    {
        // Given
        var guard = LeakGuard.Begin();
        var model = new Sequential(ModelZoo.LeNet5(), new Sequential(new BatchNorm2d(3), new Dropout()));
        var owned = model.Parameters().Concat(model.NamedBuffers().Select(b => b.Value)).ToList();
        guard.Leaked.ShouldBe(owned.Count);

        // When
        model.Dispose();
        model.Dispose();

        // Then
        guard.AssertNoLeaks();
        owned.ShouldAllBe(t => t.IsDisposed);
    }

    [Fact]
    public void Should_leave_only_its_output_alive_When_a_sequential_runs_outside_a_scope()
    {
        // Given
        using var model = ModelZoo.LeNet5();
        using var x = Torch.Rand(2, 1, 28, 28);
        var guard = LeakGuard.Begin();

        // When: eleven layers, ten intermediate outputs
        var y = model.Forward(x);

        // Then
        guard.Leaked.ShouldBe(1);
        y.Dispose();
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_free_what_training_made_When_a_model_with_gradients_is_disposed()
    {
        // Given
        var guard = LeakGuard.Begin();
        var model = ModelZoo.LeNet5();

        // When
        using (TensorScope.Begin())
        {
            model.Forward(Torch.Rand(4, 1, 28, 28)).Sum().Backward();
        }

        model.ZeroGrad();
        model.Dispose();

        // Then
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_free_the_tensor_When_its_registration_is_refused_inside_a_scope()
    {
        // Given
        using var probe = new Probe();
        probe.AddParameter("weight", Torch.Zeros(1));
        var guard = LeakGuard.Begin();

        // When: a name that the module already has, and a name that is not valid
        using (TensorScope.Begin())
        {
            Should.Throw<ArgumentException>(() => probe.AddParameter("weight", Torch.Zeros(1)));
            Should.Throw<ArgumentException>(() => probe.AddBuffer("a.b", Torch.Zeros(1)));
        }

        // Then: the refused tensor stayed with the scope and died with it
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_build_bit_identical_weights_When_the_default_generator_is_seeded_the_same()
    {
        // Given / When
        Torch.ManualSeed(71);
        using var first = ModelZoo.LeNet5();
        Torch.ManualSeed(71);
        using var second = ModelZoo.LeNet5();
        Torch.ManualSeed(72);
        using var third = ModelZoo.LeNet5();

        // Then: every parameter repeats with the seed, and none repeats with another seed
        var a = Bytes(first);
        var b = Bytes(second);
        var c = Bytes(third);
        for (var i = 0; i < a.Count; i++)
        {
            b[i].SequenceEqual(a[i]).ShouldBeTrue($"parameter {i} with the same seed");
            c[i].SequenceEqual(a[i]).ShouldBeFalse($"parameter {i} with another seed");
        }
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("gnm-lenet")]
    [InlineData("madry-cnn")]
    [InlineData("margin-lenet")]
    public void Should_build_bit_identical_weights_When_a_zoo_model_is_built_twice_from_one_seed(string architecture)
    {
        // Given
        var spec = new ModelSpec { Architecture = architecture };

        // When
        Torch.ManualSeed(73);
        using var first = ModelZoo.Create(spec);
        Torch.ManualSeed(73);
        using var second = ModelZoo.Create(spec);

        // Then
        var a = Bytes(first);
        var b = Bytes(second);
        b.Count.ShouldBe(a.Count);
        for (var i = 0; i < a.Count; i++)
        {
            b[i].SequenceEqual(a[i]).ShouldBeTrue($"parameter {i}");
        }
    }

    private static List<byte[]> Bytes(Module model) => model.Parameters().Select(p => p.ToBytes()).ToList();

    /// <summary>Exposes registration, as a subclass's constructor would use it.</summary>
    private sealed class Probe : Module
    {
        public Tensor AddParameter(string name, Tensor tensor) => RegisterParameter(name, tensor);

        public Tensor AddBuffer(string name, Tensor tensor) => RegisterBuffer(name, tensor);

        public override Tensor Forward(Tensor input) => input.Alias();
    }
}
