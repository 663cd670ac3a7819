using System.Text.Json;
using Bulwark.Torch.Optim;
using static Bulwark.Torch.Tests.Optim.OptimTestKit;

namespace Bulwark.Torch.Tests.Optim;

public sealed class OptimizerTests
{
    [Fact]
    public void Should_set_gradients_to_none_When_zeroing_by_default()
    {
        using var parameter = Parameter(1, 2);
        using var sgd = new SGD([parameter]);
        SetGradient(parameter, 3, 4);

        sgd.ZeroGrad();

        using var gradient = parameter.Grad;
        gradient.ShouldBeNull();
    }

    [Fact]
    public void Should_fill_gradients_with_zeros_When_not_setting_them_to_none()
    {
        using var parameter = Parameter(1, 2);
        using var sgd = new SGD([parameter]);
        SetGradient(parameter, 3, 4);

        sgd.ZeroGrad(setToNone: false);

        using var gradient = parameter.Grad;
        Values(gradient!).ShouldBe([0.0, 0.0]);
    }

    [Fact]
    public void Should_skip_a_parameter_and_make_no_state_When_it_has_no_gradient()
    {
        using var withGradient = Parameter(1);
        using var without = Parameter(2);
        using var adam = new Adam([withGradient, without]);
        SetGradient(withGradient, 1);

        adam.Step();

        Values(without).ShouldBe([2.0]);
        adam.StateOf(without).ShouldBeNull();
        adam.StateOf(withGradient)!.Step.ShouldBe(1);
    }

    [Fact]
    public void Should_use_each_groups_own_settings_When_there_are_several_groups()
    {
        using var fast = Parameter(1);
        using var slow = Parameter(1);
        using var sgd = new SGD([
            new ParameterGroup([fast], new SGDOptions { LearningRate = 0.5 }),
            new ParameterGroup([slow], new SGDOptions { LearningRate = 0.1 }),
        ]);
        SetGradient(fast, 1);
        SetGradient(slow, 1);

        sgd.Step();

        ShouldBeClose(Values(fast), [0.5]);
        ShouldBeClose(Values(slow), [0.9]);
    }

    [Fact]
    public void Should_replace_the_options_record_When_the_learning_rate_is_set()
    {
        using var parameter = Parameter(1);
        using var adam = new Adam([parameter], new AdamOptions { Beta1 = 0.8 });
        var group = adam.ParameterGroups[0];

        group.LearningRate = 0.25;

        group.Options.ShouldBe(new AdamOptions { Beta1 = 0.8, LearningRate = 0.25 });
    }

    [Fact]
    public void Should_show_the_settings_When_options_are_printed()
    {
        var text = new AdamOptions { LearningRate = 0.003, AmsGrad = true }.ToString();

        text.ShouldContain("LearningRate = 0.003");
        text.ShouldContain("Beta2 = 0.999");
        text.ShouldContain("AmsGrad = True");
    }

    [Fact]
    public void Should_have_pytorchs_defaults_When_options_are_not_given()
    {
        new AdamOptions().ShouldBe(new AdamOptions { LearningRate = 1e-3, Beta1 = 0.9, Beta2 = 0.999, Eps = 1e-8, WeightDecay = 0, AmsGrad = false });
        new RMSpropOptions().ShouldBe(new RMSpropOptions { LearningRate = 1e-2, Alpha = 0.99, Eps = 1e-8, Momentum = 0, Centered = false });
        new SGDOptions().ShouldBe(new SGDOptions { LearningRate = 1e-3, Momentum = 0, Dampening = 0, Nesterov = false });
    }

    [Fact]
    public void Should_reject_options_When_they_belong_to_another_optimizer()
    {
        using var parameter = Parameter(1);
        using var adam = new Adam([parameter]);

        Should.Throw<ArgumentException>(() => adam.ParameterGroups[0].Options = new SGDOptions()).Message.ShouldContain("AdamOptions");
        Should.Throw<ArgumentException>(() => new Adam([new ParameterGroup([parameter], new RMSpropOptions())]));
    }

    [Fact]
    public void Should_reject_a_parameter_When_it_is_in_two_groups_or_not_a_leaf()
    {
        using var scope = TensorScope.Begin();
        var parameter = Torch.TensorOf(1.0).RequiresGrad_();
        var derived = parameter * 2.0;

        Should.Throw<ArgumentException>(() => new SGD([new ParameterGroup([parameter], new SGDOptions()), new ParameterGroup([parameter], new SGDOptions())]));
        Should.Throw<ArgumentException>(() => new SGD([derived])).Message.ShouldContain("non-leaf");
    }

    [Fact]
    public void Should_name_state_tensors_like_pytorch_When_taking_a_state_dict()
    {
        using var first = Parameter(1, 2);
        using var second = Parameter(3);
        using var adam = new Adam([first, second], new AdamOptions { AmsGrad = true });
        SetGradient(second, 1);
        adam.Step();
        adam.Step();

        using var stateDict = adam.StateDict();

        stateDict.Optimizer.ShouldBe("Adam");
        stateDict.Tensors.Keys.Order().ShouldBe(["state.1.exp_avg", "state.1.exp_avg_sq", "state.1.max_exp_avg_sq", "state.1.step"]);
        stateDict.Tensors["state.1.step"].ToInt64().ShouldBe(2);
        stateDict.Tensors["state.1.step"].DType.ShouldBe(DType.Int64);
        stateDict.ParameterGroups.ShouldBe([new ParameterGroupState(new AdamOptions { AmsGrad = true }, 2)]);
        stateDict.ParameterGroupsToJson().ShouldContain("\"$type\":\"Adam\"");
    }

    [Fact]
    public void Should_copy_the_state_When_taking_a_state_dict()
    {
        using var parameter = Parameter(1);
        using var sgd = new SGD([parameter], new SGDOptions { Momentum = 0.9 });
        SetGradient(parameter, 1);
        sgd.Step();
        using var stateDict = sgd.StateDict();

        SetGradient(parameter, 1);
        sgd.Step();

        Values(stateDict.Tensors["state.0.momentum_buffer"]).ShouldBe([1.0]);
    }

    public static TheoryData<string> OptimizerNames => ["SGD", "Adam", "RMSprop"];

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void Should_continue_bit_identically_When_resumed_from_a_state_dict(string name)
    {
        // Given an uninterrupted run of six steps
        var uninterrupted = Run(name, steps: 6);

        // When a run stops after three, hands its state to a new optimizer over new parameters, and takes three more
        using var parameters = new ParameterPair();
        double[] resumedValues;
        using (var original = Make(name, parameters))
        {
            Train(original, parameters, 3);
            using var stateDict = original.StateDict();
            using var copies = parameters.Copy();
            using var resumed = Make(name, copies, learningRateOverride: 123);
            resumed.LoadStateDict(stateDict);
            Train(resumed, copies, 3);
            resumedValues = copies.Values();
        }

        // Then the parameters are bit-identical
        resumedValues.ShouldBe(uninterrupted);
    }

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void Should_continue_bit_identically_When_resumed_from_a_checkpoint_file(string name)
    {
        var uninterrupted = Run(name, steps: 6);
        var path = Path.Combine(Path.GetTempPath(), $"bulwark-optim-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var parameters = new ParameterPair();
            using (var original = Make(name, parameters))
            {
                Train(original, parameters, 3);
                using var stateDict = original.StateDict();
                stateDict.Save(path);
            }

            using var resumed = Make(name, parameters, learningRateOverride: 123);
            using (var loaded = OptimizerStateDict.Load(path))
            {
                resumed.LoadStateDict(loaded);
            }

            Train(resumed, parameters, 3);
            parameters.Values().ShouldBe(uninterrupted);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Should_restore_the_groups_settings_When_loading_a_state_dict()
    {
        using var a = Parameter(1);
        using var b = Parameter(1);
        using var source = new RMSprop([a], new RMSpropOptions { LearningRate = 0.5, Centered = true, Momentum = 0.3 });
        SetGradient(a, 1);
        source.Step();
        using var stateDict = source.StateDict();
        using var target = new RMSprop([b], new RMSpropOptions { LearningRate = 0.1, Centered = true, Momentum = 0.3 });

        target.LoadStateDict(stateDict);

        target.ParameterGroups[0].Options.ShouldBe(source.ParameterGroups[0].Options);
        target.StateOf(b)!.Step.ShouldBe(1);
    }

    [Fact]
    public void Should_refuse_and_keep_its_state_When_the_state_dict_does_not_fit()
    {
        using var small = Parameter(1);
        using var large = Parameter(1, 2);
        using var adamSmall = new Adam([small]);
        using var adamLarge = new Adam([large]);
        using var other = Parameter(1);
        using var sgd = new SGD([other]);
        SetGradient(small, 1);
        SetGradient(large, 1, 1);
        adamSmall.Step();
        adamLarge.Step();
        using var smallState = adamSmall.StateDict();

        Should.Throw<ArgumentException>(() => adamLarge.LoadStateDict(smallState)).Message.ShouldContain("shape");
        Should.Throw<ArgumentException>(() => sgd.LoadStateDict(smallState)).Message.ShouldContain("Adam");
        adamLarge.StateOf(large)!.Step.ShouldBe(1);
        adamLarge.StateOf(large)!.Buffers.ShouldAllBe(buffer => !buffer.Value.IsDisposed);
    }

    [Fact]
    public void Should_refuse_a_state_dict_When_a_buffer_is_missing()
    {
        using var parameter = Parameter(1);
        using var adam = new Adam([parameter]);
        using var step = Torch.Scalar(3, DType.Int64);
        using var stateDict = new OptimizerStateDict("Adam", [new ParameterGroupState(new AdamOptions(), 1)],
            new Dictionary<string, Tensor> { ["state.0.step"] = step });

        Should.Throw<ArgumentException>(() => adam.LoadStateDict(stateDict)).Message.ShouldContain("exp_avg");
    }

    [Fact]
    public void Should_serialize_options_to_json_and_back_When_checkpointing()
    {
        OptimizerOptions options = new RMSpropOptions { LearningRate = 0.3, Centered = true, WeightDecay = 1e-4 };

        var json = JsonSerializer.Serialize(options);
        var back = JsonSerializer.Deserialize<OptimizerOptions>(json);

        back.ShouldBe(options);
    }

    [Fact]
    public void Should_keep_its_state_alive_When_stepping_inside_a_scope_that_ends()
    {
        // Given state made during a step inside a scope
        using var parameter = Parameter(1, 2);
        using var adam = new Adam([parameter], new AdamOptions { AmsGrad = true });
        using (var scope = TensorScope.Begin())
        {
            SetGradient(parameter, 1, 1);
            var before = scope.Count;
            adam.Step();

            // Then the step left nothing in the caller's scope
            scope.Count.ShouldBe(before);
        }

        // When the scope has ended, the state is still the optimizer's, and stepping goes on
        adam.StateOf(parameter)!.Buffers.ShouldAllBe(buffer => !buffer.Value.IsDisposed);
        SetGradient(parameter, 1, 1);
        adam.Step();
        adam.StateOf(parameter)!.Step.ShouldBe(2);
    }

    [Fact]
    public void Should_throw_ObjectDisposedException_When_stepping_after_dispose()
    {
        using var parameter = Parameter(1);
        var sgd = new SGD([parameter]);
        sgd.Dispose();

        Should.Throw<ObjectDisposedException>(sgd.Step);
    }

    // ---- a small training loop shared by the resume tests ------------------------------------------------

    internal static Optimizer Make(string name, ParameterPair parameters, double? learningRateOverride = null)
    {
        // Two groups with different settings, weight decay and every optional buffer switched on.
        ParameterGroup Group(Tensor p, OptimizerOptions o) => new([p], learningRateOverride is { } lr ? o with { LearningRate = lr } : o);
        return name switch
        {
            "SGD" => new SGD([
                Group(parameters.First, new SGDOptions { LearningRate = 0.05, Momentum = 0.9, Nesterov = true, WeightDecay = 0.01 }),
                Group(parameters.Second, new SGDOptions { LearningRate = 0.1, Momentum = 0.5, Dampening = 0.2 })]),
            "Adam" => new Adam([
                Group(parameters.First, new AdamOptions { LearningRate = 0.05, AmsGrad = true, WeightDecay = 0.01 }),
                Group(parameters.Second, new AdamOptions { LearningRate = 0.02, Beta1 = 0.8 })]),
            _ => new RMSprop([
                Group(parameters.First, new RMSpropOptions { LearningRate = 0.01, Centered = true, Momentum = 0.9, WeightDecay = 0.01 }),
                Group(parameters.Second, new RMSpropOptions { LearningRate = 0.02, Alpha = 0.9 })]),
        };
    }

    internal static void Train(Optimizer optimizer, ParameterPair parameters, int steps)
    {
        for (var step = 0; step < steps; step++)
        {
            optimizer.ZeroGrad();
            QuadraticBackward(parameters.First, [1, -1, 0.5], [2, 1, 0.5]);
            QuadraticBackward(parameters.Second, [3, 0], [1, 4]);
            optimizer.Step();
        }
    }

    internal static double[] Run(string name, int steps)
    {
        using var parameters = new ParameterPair();
        using var optimizer = Make(name, parameters);
        Train(optimizer, parameters, steps);
        return parameters.Values();
    }

    internal sealed class ParameterPair(Tensor first, Tensor second) : IDisposable
    {
        public ParameterPair()
            : this(Parameter(0.3, 0.7, -1.1), Parameter(2.5, -0.4))
        {
        }

        public Tensor First { get; } = first;

        public Tensor Second { get; } = second;

        public ParameterPair Copy()
        {
            using var noGrad = Autograd.NoGrad();
            return new ParameterPair(First.Clone().RequiresGrad_(), Second.Clone().RequiresGrad_());
        }

        public double[] Values() => [.. OptimTestKit.Values(First), .. OptimTestKit.Values(Second)];

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
        }
    }
}
