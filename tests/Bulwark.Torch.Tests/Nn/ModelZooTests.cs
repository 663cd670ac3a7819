using Bulwark.Torch.Models;
using Bulwark.Torch.Nn;
using static Bulwark.Torch.Tests.Nn.NnTestKit;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// The zoo's architectures: parameter counts summed layer by layer from the papers' tables, and a forward pass
/// of every model at every input size it is meant for.
/// </summary>
public sealed class ModelZooTests
{
    /// <summary>Weights plus biases of a convolution (k × k kernel) and of a fully connected layer.</summary>
    private static long Conv(long inputs, long outputs, long kernel) => outputs * inputs * kernel * kernel + outputs;

    private static long Fc(long inputs, long outputs) => outputs * inputs + outputs;

    // A standard normal truncated to [−2, 2]: Z = 2Φ(2) − 1, Var = 1 − 4φ(2)/Z, E[X⁴] = 3 − 2·(2³ + 3·2)·φ(2)/Z.
    private static readonly double PhiAtTwo = Math.Exp(-2) / Math.Sqrt(2 * Math.PI);
    private const double MassWithinTwo = 2 * 0.9772498680518208 - 1;
    private static readonly double TruncatedAtTwoVariance = 1 - 4 * PhiAtTwo / MassWithinTwo;
    private static readonly double TruncatedAtTwoKurtosis =
        (3 - 28 * PhiAtTwo / MassWithinTwo) / (TruncatedAtTwoVariance * TruncatedAtTwoVariance);

    [Theory]
    [InlineData(28)]
    [InlineData(32)]
    public void Should_have_61706_parameters_When_lenet5_is_built_for_mnist(int imageSize)
    {
        // Given / When
        using var model = ModelZoo.LeNet5(channels: 1, imageSize: imageSize);

        // Then: the figure quoted for LeNet-5 on MNIST, whichever way the 5 × 5 feature map is reached
        model.ParameterCount.ShouldBe(61_706);
        model.ParameterCount.ShouldBe(Conv(1, 6, 5) + Conv(6, 16, 5) + Fc(400, 120) + Fc(120, 84) + Fc(84, 10));
    }

    [Fact]
    public void Should_accept_32_pixel_inputs_When_lenet5_is_built_without_padding()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = ModelZoo.LeNet5(channels: 1, imageSize: 32);
        var x = Torch.Rand(5, 1, 32, 32);

        // When
        var logits = model.Forward(x);

        // Then: conv 5 × 5 without padding takes 32 → 28, the same map the 28 px variant reaches with padding 2
        ((Conv2d)model[0]).Padding.ShouldBe((0L, 0L));
        logits.Shape.ShouldBe([5L, 10L]);
    }

    [Fact]
    public void Should_throw_When_lenet5_gets_an_image_size_it_has_no_layout_for()
    {
        // Given / When
        var error = Should.Throw<ArgumentException>(() => ModelZoo.LeNet5(imageSize: 30));

        // Then
        error.Message.ShouldContain("30");
    }

    public static TheoryData<string, int, int, int> ZooInputs => new()
    {
        { "mlp", 1, 28, 10 },
        { "mlp", 3, 32, 10 },
        { "lenet5", 1, 28, 10 },
        { "lenet5", 1, 32, 10 },
        { "lenet5", 3, 32, 7 },
        { "gnm-lenet", 1, 28, 10 },
        { "gnm-lenet", 3, 32, 10 },
        { "gnm-alexnet", 1, 28, 10 },
        { "gnm-alexnet", 3, 32, 10 },
        { "madry-cnn", 1, 28, 10 },
        { "madry-cnn", 3, 32, 10 },
        { "madry-cnn-bn", 1, 28, 10 },
        { "madry-cnn-bn", 3, 32, 10 },
        { "margin-lenet", 1, 28, 10 },
        { "margin-lenet", 3, 32, 10 },
        { "margin-lenet", 1, 28, 2 },
    };

    [Theory]
    [MemberData(nameof(ZooInputs))]
    public void Should_return_one_row_of_logits_per_image_When_a_zoo_model_runs_on_its_input_size(
        string architecture, int channels, int imageSize, int classes)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = ModelZoo.Create(new ModelSpec
        {
            Architecture = architecture,
            Channels = channels,
            ImageSize = imageSize,
            Classes = classes,
        });
        var x = Torch.Rand(3, channels, imageSize, imageSize);

        // When
        var logits = model.Forward(x);

        // Then
        logits.Shape.ShouldBe([3L, classes]);
        logits.IsFinite().All().ToBoolean().ShouldBeTrue();
    }

    public static TheoryData<string, int, int, long> ParameterCounts => new()
    {
        // 784-1200-1200-1200-10
        { "mlp", 1, 28, Fc(784, 1200) + 2 * Fc(1200, 1200) + Fc(1200, 10) },
        // two "same" 5 × 5 convolutions, two pools to 7 × 7 × 64, fc 1024, fc 10
        { "gnm-lenet", 1, 28, Conv(1, 32, 5) + Conv(32, 64, 5) + Fc(7 * 7 * 64, 1024) + Fc(1024, 10) },
        // the TensorFlow tutorial's network: 3,274,634 parameters
        { "madry-cnn", 1, 28, Conv(1, 32, 5) + Conv(32, 64, 5) + Fc(7 * 7 * 64, 1024) + Fc(1024, 10) },
        // the same with batch norm: each bias before a batch norm becomes its shift, and its frozen scale adds as many
        { "madry-cnn-bn", 1, 28, Conv(1, 32, 5) + 32 + Conv(32, 64, 5) + 64 + Fc(7 * 7 * 64, 1024) + 1024 + Fc(1024, 10) },
        // two "valid" 5 × 5 convolutions: 28 → 24 → 12 → 8 → 4
        { "margin-lenet", 1, 28, Conv(1, 32, 5) + Conv(32, 64, 5) + Fc(4 * 4 * 64, 512) + Fc(512, 10) },
        // five convolutions down to 1 × 1 × 256, then 4096-4096-10
        {
            "gnm-alexnet", 3, 32,
            Conv(3, 64, 11) + Conv(64, 192, 5) + Conv(192, 384, 3) + Conv(384, 256, 3) + Conv(256, 256, 3) +
            Fc(256, 4096) + Fc(4096, 4096) + Fc(4096, 10)
        },
    };

    [Theory]
    [MemberData(nameof(ParameterCounts))]
    public void Should_have_the_parameter_count_of_its_layer_table_When_a_zoo_model_is_built(
        string architecture, int channels, int imageSize, long expected)
    {
        // Given / When
        using var model = ModelZoo.Create(new ModelSpec { Architecture = architecture, Channels = channels, ImageSize = imageSize });

        // Then
        model.ParameterCount.ShouldBe(expected);
    }

    [Fact]
    public void Should_refuse_large_images_When_gnm_alexnet_is_the_small_input_variant()
    {
        // Given / When / Then
        Should.Throw<ArgumentException>(() => ModelZoo.SmallAlexNet(imageSize: 64)).Message.ShouldContain("64");
    }

    [Fact]
    public void Should_stack_three_hidden_layers_of_1200_When_the_mlp_has_widths_1200_1200_1200()
    {
        // Given / When
        using var model = ModelZoo.Mlp(28 * 28, [1200, 1200, 1200], 10);

        // Then: Flatten, then (Linear, ReLU) × 3, then the output layer
        var linears = model.Layers.OfType<Linear>().ToList();
        linears.Select(l => (l.InFeatures, l.OutFeatures)).ShouldBe(
            [(784L, 1200L), (1200L, 1200L), (1200L, 1200L), (1200L, 10L)]);
        model.Layers.Select(l => l.GetType().Name).ShouldBe(
            ["Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear", "ReLU", "Linear"]);
        model.ParameterCount.ShouldBe(3_836_410);
    }

    [Fact]
    public void Should_put_a_dropout_after_every_hidden_relu_When_the_mlp_has_a_dropout_rate()
    {
        // Given / When
        using var model = ModelZoo.Mlp(20, [8, 6], 3, dropout: 0.25);

        // Then
        model.Layers.Select(l => l.GetType().Name).ShouldBe(
            ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]);
        model.Layers.OfType<Dropout>().ShouldAllBe(d => d.P == 0.25);
    }

    [Fact]
    public void Should_default_to_widths_1200_1200_1200_When_an_mlp_spec_names_none()
    {
        // Given / When
        using var model = ModelZoo.Create(new ModelSpec { Architecture = "mlp" });

        // Then
        model.ParameterCount.ShouldBe(3_836_410);
    }

    [Fact]
    public void Should_start_from_tensorflows_tutorial_weights_When_the_spec_asks_for_tf_tutorial_initialization()
    {
        // Given
        Torch.ManualSeed(8);
        var spec = new ModelSpec { Architecture = "madry-cnn", Initialization = "tf-tutorial" };

        // When
        using var model = ModelZoo.Create(ModelSpec.FromJson(spec.ToJson()));

        // Then: every bias 0.1; every weight in ±0.2 with the ±2σ-truncated normal's variance, 0.7737·0.1²
        var parameters = model.NamedParameters().ToList();
        parameters.Count.ShouldBe(8);
        foreach (var (name, parameter) in parameters)
        {
            var values = Values(parameter);
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                values.ShouldAllBe(v => Math.Abs(v - 0.1) < 1e-7, name);
            }
            else
            {
                values.Max(Math.Abs).ShouldBeLessThanOrEqualTo(0.2 + 1e-7, name);
            }
        }

        var weights = Values(parameters.Single(p => p.Key == "7.weight").Value);
        ShouldHaveVariance(weights, 0.01 * TruncatedAtTwoVariance, TruncatedAtTwoKurtosis, "fc1 weight");
    }

    [Fact]
    public void Should_normalise_before_every_hidden_relu_and_train_only_the_shift_When_madry_cnn_has_batch_norm()
    {
        // Given / When
        using var model = ModelZoo.Create(new ModelSpec { Architecture = "madry-cnn-bn", Dropout = 0.5 });

        // Then: conv/linear (no bias) → batch norm (ε 1e-3, scale fixed at 1) → ReLU, three times; dropout; FC 10
        var layers = model.Layers.ToList();
        var norms = layers.OfType<BatchNorm>().ToList();
        norms.Select(n => n.NumFeatures).ShouldBe([32L, 64L, 1024L]);
        foreach (var norm in norms)
        {
            var before = layers[layers.IndexOf(norm) - 1];
            (before is Conv2d { Bias: null } or Linear { Bias: null }).ShouldBeTrue(before.ToString());
            layers[layers.IndexOf(norm) + 1].ShouldBeOfType<ReLU>();
            norm.Eps.ShouldBe(1e-3);
            norm.Weight!.RequiresGrad.ShouldBeFalse();
            Values(norm.Weight).ShouldAllBe(v => v == 1);
            norm.Bias!.RequiresGrad.ShouldBeTrue();
        }

        norms[^1].ShouldBeOfType<BatchNorm1d>();
        layers[^2].ShouldBeOfType<Dropout>();
    }

    [Fact]
    public void Should_draw_glorot_uniform_weights_and_zero_biases_When_the_spec_asks_for_glorot_uniform_initialization()
    {
        // Given
        Torch.ManualSeed(9);
        var spec = new ModelSpec { Architecture = "madry-cnn", Initialization = "glorot-uniform" };

        // When
        using var model = ModelZoo.Create(spec);

        // Then: U(−b, b) with b = sqrt(6 / (fan_in + fan_out)), variance 2 / (fan_in + fan_out)
        foreach (var (name, parameter) in model.NamedParameters())
        {
            var values = Values(parameter);
            if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                values.ShouldAllBe(v => v == 0, name);
                continue;
            }

            var (fanIn, fanOut) = Init.Fans(parameter);
            values.Max(Math.Abs).ShouldBeLessThanOrEqualTo(Math.Sqrt(6.0 / (fanIn + fanOut)) * (1 + 1e-6), name);
            if (values.Length > 10_000)
            {
                ShouldHaveVariance(values, 2.0 / (fanIn + fanOut), 9.0 / 5, name);
            }
        }
    }

    [Fact]
    public void Should_name_the_known_initializations_When_the_initialization_is_unknown()
    {
        // Given
        var spec = new ModelSpec { Architecture = "madry-cnn", Initialization = "glorot" };

        // When
        var error = Should.Throw<ArgumentException>(() => ModelZoo.Create(spec));

        // Then
        error.Message.ShouldContain("glorot");
        error.Message.ShouldContain("tf-tutorial");
    }

    [Fact]
    public void Should_name_every_known_model_When_the_architecture_is_unknown()
    {
        // Given
        var spec = new ModelSpec { Architecture = "resnet-1001" };

        // When
        var error = Should.Throw<ArgumentException>(() => ModelZoo.Create(spec));

        // Then
        error.Message.ShouldContain("resnet-1001");
        foreach (var name in ModelZoo.Names)
        {
            error.Message.ShouldContain(name);
        }
    }

    [Theory]
    [InlineData("gnm-lenet", 28)]
    [InlineData("gnm-lenet", 30)]
    [InlineData("madry-cnn", 28)]
    [InlineData("madry-cnn", 30)]
    [InlineData("madry-cnn", 33)]
    [InlineData("madry-cnn-bn", 30)]
    [InlineData("margin-lenet", 28)]
    [InlineData("margin-lenet", 31)]
    [InlineData("gnm-alexnet", 63)]
    public void Should_size_the_first_fully_connected_layer_to_the_feature_map_When_the_image_size_is_unusual(
        string architecture, int imageSize)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = ModelZoo.Create(new ModelSpec { Architecture = architecture, ImageSize = imageSize });
        var x = Torch.Rand(1, 1, imageSize, imageSize);

        // When
        var flattened = x;
        foreach (var layer in model.Layers.TakeWhile(layer => layer is not Linear))
        {
            flattened = layer.Forward(flattened);
        }

        // Then
        flattened.Size(1).ShouldBe(model.Layers.OfType<Linear>().First().InFeatures);
    }

    [Theory]
    [InlineData("gnm-lenet", 3, 4)]
    [InlineData("madry-cnn", 3, 4)]
    [InlineData("margin-lenet", 15, 16)]
    [InlineData("gnm-alexnet", 20, 21)]
    public void Should_name_the_smallest_size_When_an_image_is_too_small_for_the_pools(
        string architecture, int tooSmall, int smallest)
    {
        // Given
        var spec = new ModelSpec { Architecture = architecture, ImageSize = tooSmall };

        // When
        var error = Should.Throw<ArgumentException>(() => ModelZoo.Create(spec));

        // Then: the message says what is needed, and the smallest size itself is accepted
        error.Message.ShouldContain($"at least {smallest}×{smallest}");
        using var model = ModelZoo.Create(spec with { ImageSize = smallest });
        using var scope = TensorScope.Begin();
        model.Forward(Torch.Rand(1, 1, smallest, smallest)).Shape.ShouldBe([1L, 10L]);
    }
}
