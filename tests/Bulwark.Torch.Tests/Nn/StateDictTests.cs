using Bulwark.Torch.Models;
using Bulwark.Torch.Nn;
using Bulwark.Torch.Serialization;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// Saving and restoring a model: StateDict → safetensors → LoadStateDict into a freshly built model must give the
/// same outputs bit for bit, and a state dict that does not fit must be refused with the offending key named.
/// </summary>
public sealed class StateDictTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("bulwark-state-dict-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Convolution, batch norm (buffers, an int64 counter among them), pooling and a classifier.</summary>
    private static Sequential SmallNet() => new(
        new Conv2d(1, 4, 3), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 3 * 3, 5));

    [Fact]
    public void Should_reproduce_the_outputs_bit_for_bit_When_a_state_dict_is_saved_and_loaded_into_a_fresh_model()
    {
        // Given: a model whose running statistics have moved away from their initial values
        using var scope = TensorScope.Begin();
        using var trained = SmallNet();
        using var generator = new Generator(61);
        trained.Forward(Torch.Randn([8, 1, 8, 8], generator));
        trained.Eval();
        var x = Torch.Randn([3, 1, 8, 8], generator);
        var expected = trained.Forward(x);
        var path = Path.Combine(folder, "model.safetensors");

        // When
        SafeTensors.Save(path, trained.StateDict());
        using var restored = SmallNet();
        restored.LoadStateDict(SafeTensors.Load(path));
        restored.Eval();
        var actual = restored.Forward(x);

        // Then
        actual.ToBytes().ShouldBe(expected.ToBytes());
        var restoredState = restored.StateDict();
        foreach (var (name, tensor) in trained.StateDict())
        {
            restoredState[name].ToBytes().ShouldBe(tensor.ToBytes(), name);
            restoredState[name].DType.ShouldBe(tensor.DType, name);
        }
    }

    [Fact]
    public void Should_reproduce_a_zoo_model_When_its_weights_go_through_a_file()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var original = ModelZoo.LeNet5();
        var x = Torch.Rand(2, 1, 28, 28);
        var path = Path.Combine(folder, "lenet5.safetensors");

        // When
        SafeTensors.Save(path, original.StateDict());
        using var copy = ModelZoo.LeNet5();
        copy.LoadStateDict(SafeTensors.Load(path));

        // Then
        copy.Forward(x).ToBytes().ShouldBe(original.Forward(x).ToBytes());
    }

    [Fact]
    public void Should_name_the_missing_key_When_a_strict_load_lacks_one()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = SmallNet();
        using var other = SmallNet();
        var state = other.StateDict().Where(p => p.Key != "5.bias").ToDictionary();

        // When
        var error = Should.Throw<ArgumentException>(() => model.LoadStateDict(state));

        // Then
        error.Message.ShouldContain("missing [5.bias]");
        error.ParamName.ShouldBe("state");
    }

    [Fact]
    public void Should_name_the_unexpected_key_When_a_strict_load_has_an_extra_one()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = SmallNet();
        using var other = SmallNet();
        var state = other.StateDict().ToDictionary();
        state["6.weight"] = Torch.Zeros(1);

        // When
        var error = Should.Throw<ArgumentException>(() => model.LoadStateDict(state));

        // Then
        error.Message.ShouldContain("unexpected [6.weight]");
    }

    [Fact]
    public void Should_load_only_the_matching_keys_When_the_load_is_not_strict()
    {
        // Given: a state with one key of the model and one foreign key
        using var scope = TensorScope.Begin();
        using var model = SmallNet();
        var weightBefore = model.StateDict()["0.weight"].ToBytes();
        var state = new Dictionary<string, Tensor>
        {
            ["5.bias"] = Torch.TensorOf(1f, 2f, 3f, 4f, 5f),
            ["head.weight"] = Torch.Zeros(9),
        };

        // When
        model.LoadStateDict(state, strict: false);

        // Then
        model.StateDict()["5.bias"].ToArray<float>().ShouldBe([1f, 2f, 3f, 4f, 5f]);
        model.StateDict()["0.weight"].ToBytes().ShouldBe(weightBefore);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_name_the_key_and_both_shapes_When_a_tensor_has_the_wrong_shape(bool strict)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = SmallNet();
        using var other = SmallNet();
        var state = other.StateDict().ToDictionary();
        state["5.weight"] = Torch.Zeros(5, 35);

        // When
        var error = Should.Throw<ArgumentException>(() => model.LoadStateDict(state, strict));

        // Then
        error.Message.ShouldContain("'5.weight'");
        error.Message.ShouldContain("[5, 35]");
        error.Message.ShouldContain("[5, 36]");
    }

    [Fact]
    public void Should_leave_the_module_unchanged_When_a_load_is_refused_for_a_wrong_shape()
    {
        // Given: every key fits except the last layer's weight
        using var scope = TensorScope.Begin();
        using var model = SmallNet();
        using var other = SmallNet();
        var before = model.StateDict().ToDictionary(p => p.Key, p => p.Value.ToBytes());
        var state = other.StateDict().ToDictionary();
        state["5.weight"] = Torch.Zeros(5, 35);

        // When
        Should.Throw<ArgumentException>(() => model.LoadStateDict(state));

        // Then: nothing was half-loaded
        foreach (var (name, tensor) in model.StateDict())
        {
            tensor.ToBytes().ShouldBe(before[name], name);
        }
    }

    [Fact]
    public void Should_keep_the_module_tensors_as_parameters_When_a_state_dict_is_loaded()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = SmallNet();
        using var other = SmallNet();
        var weight = model.StateDict()["0.weight"];

        // When
        model.LoadStateDict(other.StateDict());

        // Then: values copied into the same leaf, which still trains
        ReferenceEquals(model.StateDict()["0.weight"], weight).ShouldBeTrue();
        weight.ToBytes().ShouldBe(other.StateDict()["0.weight"].ToBytes());
        weight.RequiresGrad.ShouldBeTrue();
        weight.IsLeaf.ShouldBeTrue();
    }
}
