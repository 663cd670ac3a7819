using Bulwark.Torch.Nn;
using static Bulwark.Torch.Tests.Nn.NnTestKit;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// What every module inherits: dotted names in PyTorch's order, modes that reach every submodule, dtype casts that
/// keep the tensor objects, gradients cleared by ZeroGrad, and member names checked at registration.
/// </summary>
public sealed class ModuleTests
{
    /// <summary>A module with a parameter of its own beside two submodules, like a user's custom network.</summary>
    private sealed class Network : Module
    {
        public Network()
        {
            Scale = RegisterParameter("scale", Torch.Ones(1));
            Features = RegisterModule("features", new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2), new ReLU(), new Flatten()));
            Head = RegisterModule("head", new Linear(2 * 4 * 4, 3));
        }

        public Tensor Scale { get; }

        public Sequential Features { get; }

        public Linear Head { get; }

        public override Tensor Forward(Tensor input)
        {
            using var features = Features.Forward(input);
            using var logits = Head.Forward(features);
            return logits * Scale;
        }
    }

    /// <summary>Exposes registration so that the name checks can be driven directly.</summary>
    private sealed class Probe : Module
    {
        public Tensor AddParameter(string name, Tensor tensor) => RegisterParameter(name, tensor);

        public Tensor AddBuffer(string name, Tensor tensor) => RegisterBuffer(name, tensor);

        public Module AddModule(string name, Module module) => RegisterModule(name, module);

        public override Tensor Forward(Tensor input) => input.Alias();
    }

    [Fact]
    public void Should_name_parameters_by_position_When_they_live_in_a_sequential()
    {
        // Given / When
        using var model = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2, bias: false), new Sequential(new Linear(2, 2)));

        // Then: registration order, parameter-free layers leave gaps, nesting adds a level
        model.NamedParameters().Select(p => p.Key).ShouldBe(["0.weight", "0.bias", "2.weight", "3.0.weight", "3.0.bias"]);
        model.Parameters().Select(p => p.Shape).ShouldBe([[3L, 4L], [3L], [2L, 3L], [2L, 2L], [2L]]);
        model.ParameterCount.ShouldBe(12 + 3 + 6 + 4 + 2);
    }

    [Fact]
    public void Should_list_own_parameters_before_submodules_When_a_custom_module_is_nested()
    {
        // Given / When
        using var network = new Network();

        // Then: PyTorch's order — a module's own members, then each child depth first
        network.NamedParameters().Select(p => p.Key).ShouldBe([
            "scale",
            "features.0.weight", "features.0.bias",
            "features.1.weight", "features.1.bias",
            "head.weight", "head.bias",
        ]);
        network.NamedBuffers().Select(b => b.Key).ShouldBe([
            "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked",
        ]);
        network.NamedModules().Select(m => m.Key).ShouldBe([
            "", "features", "features.0", "features.1", "features.2", "features.3", "head",
        ]);
        network.NamedChildren().Select(m => m.Key).ShouldBe(["features", "head"]);
        ReferenceEquals(network.NamedParameters().First(p => p.Key == "head.weight").Value, network.Head.Weight).ShouldBeTrue();
    }

    [Fact]
    public void Should_hold_parameters_and_buffers_under_the_same_names_When_a_state_dict_is_taken()
    {
        // Given
        using var network = new Network();

        // When
        var state = network.StateDict();

        // Then: the module's own tensors, not copies
        state.Keys.Order().ShouldBe(network.NamedParameters().Concat(network.NamedBuffers()).Select(p => p.Key).Order());
        ReferenceEquals(state["features.0.weight"], network.Features[0].Parameters().First()).ShouldBeTrue();
        ReferenceEquals(state["features.1.running_var"], ((BatchNorm2d)network.Features[1]).RunningVar).ShouldBeTrue();
    }

    [Fact]
    public void Should_set_the_mode_of_every_submodule_When_train_or_eval_is_called()
    {
        // Given
        using var network = new Network();
        var all = network.NamedModules().Select(m => m.Value).ToList();
        all.ShouldAllBe(m => m.Training);

        // When / Then
        network.Eval().ShouldBeSameAs(network);
        all.ShouldAllBe(m => !m.Training);
        network.Train();
        all.ShouldAllBe(m => m.Training);
        network.Train(false);
        all.ShouldAllBe(m => !m.Training);
    }

    [Fact]
    public void Should_cast_parameters_in_place_and_keep_buffers_integer_When_moved_to_float64()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var network = new Network();
        var parameters = network.Parameters().ToList();
        var before = parameters.Select(Values).ToList();
        var x = Torch.Rand(2, 1, 6, 6);
        network.Eval();
        var single = Values(network.Forward(x));

        // When
        network.To(DType.Float64);

        // Then: the same Tensor objects, now float64, with the float32 values exactly; still trainable leaves
        network.Parameters().ShouldBe(parameters);
        for (var i = 0; i < parameters.Count; i++)
        {
            parameters[i].DType.ShouldBe(DType.Float64);
            parameters[i].RequiresGrad.ShouldBeTrue();
            parameters[i].IsLeaf.ShouldBeTrue();
            Values(parameters[i]).ShouldBe(before[i]);
        }

        var norm = (BatchNorm2d)network.Features[1];
        norm.RunningMean.DType.ShouldBe(DType.Float64);
        norm.NumBatchesTracked.DType.ShouldBe(DType.Int64);
        var output = network.Forward(x.Double());
        output.DType.ShouldBe(DType.Float64);
        ShouldBeClose(Values(output), single, 1e-5);
    }

    [Fact]
    public void Should_produce_float64_gradients_When_a_float64_model_is_trained()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1));
        model.To(DType.Float64);
        var x = Torch.Rand([4, 3], dtype: DType.Float64);

        // When
        model.Forward(x).Sum().Backward();

        // Then
        foreach (var parameter in model.Parameters())
        {
            using var gradient = parameter.Grad;
            gradient.ShouldNotBeNull().DType.ShouldBe(DType.Float64);
        }
    }

    [Fact]
    public void Should_clear_every_gradient_When_zero_grad_is_called()
    {
        // Given: gradients after a backward pass
        using var scope = TensorScope.Begin();
        using var network = new Network();
        network.Forward(Torch.Rand(2, 1, 6, 6)).Sum().Backward();
        foreach (var parameter in network.Parameters())
        {
            using var gradient = parameter.Grad;
            gradient.ShouldNotBeNull();
        }

        // When
        network.ZeroGrad();

        // Then
        foreach (var parameter in network.Parameters())
        {
            using var gradient = parameter.Grad;
            gradient.ShouldBeNull();
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("conv.weight")]
    public void Should_throw_When_a_member_name_is_empty_or_dotted(string name)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var probe = new Probe();

        // When / Then
        Should.Throw<ArgumentException>(() => probe.AddParameter(name, Torch.Zeros(1))).Message.ShouldContain("not a valid member name");
        Should.Throw<ArgumentException>(() => probe.AddBuffer(name, Torch.Zeros(1)));
        using var relu = new ReLU();
        Should.Throw<ArgumentException>(() => probe.AddModule(name, relu));
        probe.StateDict().ShouldBeEmpty();
    }

    [Fact]
    public void Should_throw_When_a_member_name_is_taken_by_any_kind_of_member()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var probe = new Probe();
        probe.AddParameter("weight", Torch.Zeros(2));
        probe.AddBuffer("count", Torch.Zeros(1));
        probe.AddModule("inner", new ReLU());

        // When / Then
        foreach (var name in new[] { "weight", "count", "inner" })
        {
            Should.Throw<ArgumentException>(() => probe.AddParameter(name, Torch.Zeros(1))).Message.ShouldContain($"'{name}'");
            Should.Throw<ArgumentException>(() => probe.AddBuffer(name, Torch.Zeros(1))).Message.ShouldContain($"'{name}'");
            using var relu = new ReLU();
            Should.Throw<ArgumentException>(() => probe.AddModule(name, relu)).Message.ShouldContain($"'{name}'");
        }

        probe.NamedParameters().Select(p => p.Key).ShouldBe(["weight"]);
    }

    [Fact]
    public void Should_make_registered_parameters_require_grad_and_outlive_the_scope_When_built_inside_one()
    {
        // Given
        using var probe = new Probe();
        Tensor weight;

        // When
        using (TensorScope.Begin())
        {
            weight = probe.AddParameter("weight", Torch.Zeros(3));
        }

        // Then: the module owns it now
        weight.IsDisposed.ShouldBeFalse();
        weight.RequiresGrad.ShouldBeTrue();
        Values(weight).ShouldBe([0.0, 0, 0]);
    }
}
