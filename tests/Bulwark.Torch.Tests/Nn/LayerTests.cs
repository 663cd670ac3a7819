using Bulwark.Torch.Nn;
using static Bulwark.Torch.Tests.Nn.NnTestKit;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// Each layer against an independent oracle: the matrix product for Linear, the functional form and a box-filter
/// closed form for Conv2d, hand-computed windows for pooling, and layer-by-layer composition for Sequential.
/// </summary>
public sealed class LayerTests
{
    [Fact]
    public void Should_equal_x_times_w_transposed_plus_b_When_a_linear_layer_runs()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var layer = new Linear(7, 4);
        using var generator = new Generator(31);
        var x = Torch.Randn([5, 7], generator);

        // When
        var y = layer.Forward(x);

        // Then
        y.Shape.ShouldBe([5L, 4L]);
        var expected = x.Matmul(layer.Weight.T) + layer.Bias!;
        y.AllClose(expected, rtol: 1e-6, atol: 1e-6).ShouldBeTrue();
    }

    [Fact]
    public void Should_apply_to_the_last_dimension_When_a_linear_layer_gets_a_batch_of_sequences()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var layer = new Linear(3, 2, bias: false);
        using var generator = new Generator(32);
        var x = Torch.Randn([4, 6, 3], generator);

        // When
        var y = layer.Forward(x);

        // Then: no bias parameter, and each row is x·Wᵀ
        layer.Bias.ShouldBeNull();
        layer.NamedParameters().Select(p => p.Key).ShouldBe(["weight"]);
        y.Shape.ShouldBe([4L, 6L, 2L]);
        y.AllClose(x.Matmul(layer.Weight.T), rtol: 1e-6, atol: 1e-6).ShouldBeTrue();
    }

    [Theory]
    [InlineData(1, 0, 1, 1)]
    [InlineData(2, 1, 1, 1)]
    [InlineData(1, 2, 2, 1)]
    [InlineData(1, 1, 1, 2)]
    public void Should_equal_functional_conv2d_When_a_conv_layer_runs(long stride, long padding, long dilation, long groups)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var layer = new Conv2d(4, 6, 3, stride: stride, padding: padding, dilation: dilation, groups: groups);
        using var generator = new Generator(33);
        var x = Torch.Randn([2, 4, 9, 8], generator);

        // When
        var y = layer.Forward(x);

        // Then: the same call, and the output size of the convolution arithmetic
        var expected = Functional.Conv2d(x, layer.Weight, layer.Bias, (stride, stride), (padding, padding), (dilation, dilation), groups);
        y.ToBytes().ShouldBe(expected.ToBytes());
        long OutputSize(long n) => (n + 2 * padding - dilation * (3 - 1) - 1) / stride + 1;
        y.Shape.ShouldBe([2L, 6L, OutputSize(9), OutputSize(8)]);
    }

    [Fact]
    public void Should_count_the_covered_pixels_When_a_conv_layer_has_a_box_kernel_and_padding()
    {
        // Given: a 3 × 3 kernel of ones, bias 0.5, padding 1, on a 4 × 4 image of ones
        using var scope = TensorScope.Begin();
        using var layer = new Conv2d(1, 1, 3, padding: 1);
        Init.Constant_(layer.Weight, 1);
        Init.Constant_(layer.Bias!, 0.5);
        var x = Torch.Ones(1, 1, 4, 4);

        // When
        var y = layer.Forward(x);

        // Then: each output is the number of real pixels under the kernel (corners 4, edges 6, inside 9) plus 0.5
        Values(y).ShouldBe([
            4.5, 6.5, 6.5, 4.5,
            6.5, 9.5, 9.5, 6.5,
            6.5, 9.5, 9.5, 6.5,
            4.5, 6.5, 6.5, 4.5,
        ]);
    }

    [Fact]
    public void Should_throw_When_conv_channels_are_not_divisible_by_groups()
    {
        // Given / When / Then
        Should.Throw<ArgumentException>(() => new Conv2d(6, 4, 3, groups: 4)).Message.ShouldContain("groups");
    }

    [Fact]
    public void Should_take_the_window_maximum_and_mean_When_pooling_a_counting_image()
    {
        // Given: 0 … 15 in a 4 × 4 image
        using var scope = TensorScope.Begin();
        using var maxPool = new MaxPool2d(2);
        using var avgPool = new AvgPool2d(2);
        var x = Torch.Arange(0, 16, 1, DType.Float32).View(1, 1, 4, 4);

        // When
        var max = maxPool.Forward(x);
        var mean = avgPool.Forward(x);

        // Then: the stride defaults to the kernel, so the windows are {0,1,4,5}, {2,3,6,7}, {8,9,12,13}, {10,11,14,15}
        maxPool.Stride.ShouldBe(2);
        Values(max).ShouldBe([5.0, 7, 13, 15]);
        Values(mean).ShouldBe([2.5, 4.5, 10.5, 12.5]);
    }

    [Fact]
    public void Should_overlap_windows_When_max_pooling_with_a_stride_below_the_kernel()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var pool = new MaxPool2d(2, stride: 1);
        var x = Torch.Arange(0, 9, 1, DType.Float32).View(1, 1, 3, 3);

        // When
        var y = pool.Forward(x);

        // Then
        Values(y).ShouldBe([4.0, 5, 7, 8]);
    }

    [Fact]
    public void Should_zero_negatives_or_scale_them_When_relu_or_leaky_relu_runs()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var relu = new ReLU();
        using var leaky = new LeakyReLU(0.1);
        var x = Torch.TensorOf(-2.0, -0.5, 0.0, 1.5);

        // When / Then
        Values(relu.Forward(x)).ShouldBe([0.0, 0, 0, 1.5]);
        Values(leaky.Forward(x)).ShouldBe([-0.2, -0.05, 0, 1.5]);
        new LeakyReLU().NegativeSlope.ShouldBe(0.01);
    }

    [Fact]
    public void Should_keep_the_batch_dimension_When_flatten_runs_with_its_defaults()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros(2, 3, 4, 5);

        // When / Then
        using var flatten = new Flatten();
        flatten.Forward(x).Shape.ShouldBe([2L, 60L]);
        using var all = new Flatten(0);
        all.Forward(x).Shape.ShouldBe([120L]);
        using var middle = new Flatten(1, 2);
        middle.Forward(x).Shape.ShouldBe([2L, 12L, 5L]);
    }

    [Fact]
    public void Should_equal_applying_its_layers_one_after_another_When_a_sequential_runs()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = new Sequential(
            new Conv2d(2, 3, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(3 * 3 * 3, 4), new LeakyReLU(0.2));
        using var generator = new Generator(34);
        var x = Torch.Randn([5, 2, 6, 6], generator);

        // When
        var y = model.Forward(x);

        // Then
        var composed = x;
        for (var i = 0; i < model.Count; i++)
        {
            composed = model[i].Forward(composed);
        }

        y.Shape.ShouldBe([5L, 4L]);
        y.ToBytes().ShouldBe(composed.ToBytes());
        model.Layers.Count.ShouldBe(6);
    }

    [Fact]
    public void Should_return_a_new_tensor_with_the_input_values_When_a_sequential_is_empty()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = new Sequential();
        var x = Torch.TensorOf(1f, 2f);

        // When
        var y = model.Forward(x);

        // Then: an alias, so that disposing the output never frees the caller's input
        ReferenceEquals(x, y).ShouldBeFalse();
        Values(y).ShouldBe([1.0, 2.0]);
    }

    [Fact]
    public void Should_keep_the_input_usable_When_a_sequential_frees_its_intermediate_outputs()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = new Sequential(new ReLU(), new LeakyReLU(), new Flatten());
        var x = Torch.TensorOf(-1f, 2f).View(1, 2);

        // When
        var y = model.Forward(x);

        // Then
        x.IsDisposed.ShouldBeFalse();
        Values(x).ShouldBe([-1.0, 2.0]);
        Values(y).ShouldBe([0.0, 2.0]);
    }

    [Fact]
    public void Should_describe_each_layer_on_its_own_line_When_a_sequential_is_printed()
    {
        // Given
        using var model = new Sequential(new Linear(4, 3), new ReLU(), new Sequential(new Dropout(0.5)));

        // When
        var text = model.ToString();

        // Then
        text.ShouldBe(
            "Sequential(\n" +
            "  (0): Linear(in=4, out=3, bias=True)\n" +
            "  (1): ReLU()\n" +
            "  (2): Sequential(\n" +
            "    (0): Dropout(p=0.5)\n" +
            "  )\n" +
            ")");
    }
}
