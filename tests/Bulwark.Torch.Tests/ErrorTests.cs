using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>
/// Failures inside libtorch arrive as typed .NET exceptions carrying libtorch's message, never with a C++
/// backtrace, never as a crash; the process goes on working afterwards.
/// </summary>
public sealed class ErrorTests
{
    private const string Backtrace = "Exception raised from";

    private static void ShouldStillWork()
    {
        using var scope = TensorScope.Begin();
        (Torch.Ones(2) + Torch.Ones(2)).ToArray<float>().ShouldBe([2f, 2f]);
    }

    [Fact]
    public void Should_throw_with_libtorchs_message_When_matmul_shapes_do_not_match()
    {
        // Given
        using var scope = TensorScope.Begin();
        var a = Torch.Zeros(2, 3);
        var b = Torch.Zeros(4, 5);

        // When
        var error = Should.Throw<TorchException>(() => a.Matmul(b));

        // Then
        error.Message.ShouldContain("cannot be multiplied");
        error.Message.ShouldContain("2x3");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_bmm_gets_matrices_instead_of_batches()
    {
        // Given
        using var scope = TensorScope.Begin();
        var a = Torch.Zeros(2, 3);

        // When
        var error = Should.Throw<TorchException>(() => a.Bmm(a));

        // Then
        error.Message.ShouldContain("3D");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_naming_the_channels_When_conv2d_gets_the_wrong_channel_count()
    {
        // Given: a weight for 3 input channels, an input with 4
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros(1, 4, 5, 5);
        var weight = Torch.Zeros(2, 3, 3, 3);

        // When
        var error = Should.Throw<TorchException>(() => Functional.Conv2d(x, weight));

        // Then
        error.Message.ShouldContain("channels");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_shapes_cannot_broadcast()
    {
        // Given
        using var scope = TensorScope.Begin();
        var a = Torch.Zeros(2, 3);
        var b = Torch.Zeros(4);

        // When
        var error = Should.Throw<TorchException>(() => a + b);

        // Then
        error.Message.ShouldContain("must match");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_a_view_does_not_fit_the_element_count()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros(2, 3);

        // When
        var error = Should.Throw<TorchException>(() => x.View(4, 2));

        // Then
        error.Message.ShouldContain("invalid for input of size 6");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_a_dtype_error_When_cross_entropy_gets_float_class_targets()
    {
        // Given: class indices stored as floats
        using var scope = TensorScope.Begin();
        var logits = Torch.Zeros(3, 4);
        var target = Torch.TensorOf(1f, 0f, 3f);

        // When
        var error = Should.Throw<TorchException>(() => Functional.CrossEntropy(logits, target));

        // Then
        error.Message.ShouldContain("Long");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_a_dtype_error_When_index_select_gets_a_float_index()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros(3, 4);
        var index = Torch.TensorOf(0f, 2f);

        // When
        var error = Should.Throw<TorchException>(() => x.IndexSelect(0, index));

        // Then
        error.Message.ShouldContain("int");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_an_index_exception_When_select_is_out_of_range()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros(3, 4);

        // When
        var error = Should.Throw<TorchIndexException>(() => x.Select(0, 3));

        // Then
        error.Message.ShouldContain("out of range");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_an_index_exception_When_a_dimension_is_out_of_range()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros(3, 4);

        // When
        var sumError = Should.Throw<TorchIndexException>(() => x.Sum(2));
        var sizeError = Should.Throw<TorchIndexException>(() => x.Size(-3));

        // Then
        sumError.Message.ShouldContain("Dimension out of range");
        sumError.Message.ShouldNotContain(Backtrace);
        sizeError.Message.ShouldContain("out of range");
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_gather_indices_are_out_of_bounds()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros(2, 3);
        var index = Torch.FromArray(new long[] { 0, 7 }, 2, 1);

        // When
        var error = Should.Throw<TorchException>(() => x.Gather(1, index));

        // Then
        error.Message.ShouldContain("out of bounds");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_ObjectDisposedException_When_a_disposed_tensor_is_used()
    {
        // Given
        var x = Torch.Ones(2);
        var y = Torch.Ones(2);
        x.Dispose();

        // When / Then
        x.IsDisposed.ShouldBeTrue();
        Should.Throw<ObjectDisposedException>(() => x.Shape);
        Should.Throw<ObjectDisposedException>(() => x.Add(y));
        Should.Throw<ObjectDisposedException>(() => y.Add(x));
        Should.Throw<ObjectDisposedException>(() => Torch.Cat([y, x]));
        Should.Throw<ObjectDisposedException>(() => x.ToArray<float>());
        x.ToString().ShouldBe("Tensor(disposed)");
        x.Dispose(); // a second dispose is harmless
        y.Dispose();
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_ObjectDisposedException_When_a_disposed_generator_is_used()
    {
        // Given
        var generator = new Generator(1);
        generator.Dispose();

        // When / Then
        Should.Throw<ObjectDisposedException>(() => Torch.Randn([2], generator));
    }

    [Fact]
    public void Should_throw_a_type_exception_When_a_float_tensor_is_read_as_int64()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones(3);

        // When
        var error = Should.Throw<TorchTypeException>(() => x.ToArray<long>());

        // Then
        error.Message.ShouldContain("float32");
        error.Message.ShouldContain("int64");
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_backward_starts_from_a_tensor_without_a_gradient()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones(3);

        // When
        var error = Should.Throw<TorchException>(() => x.Sum().Backward());

        // Then
        error.Message.ShouldContain("does not require grad");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_backward_starts_from_a_non_scalar_without_a_gradient_output()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones([3], DType.Float64).RequiresGrad_();

        // When
        var error = Should.Throw<TorchException>(() => (x * 2.0).Backward());

        // Then
        error.Message.ShouldContain("scalar outputs");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_a_graph_is_walked_twice_without_retaining_it()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones([3], DType.Float64).RequiresGrad_();
        var y = x.Exp().Sum();
        y.Backward();

        // When
        var error = Should.Throw<TorchException>(() => y.Backward());

        // Then
        error.Message.ShouldContain("second time");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_grad_asks_for_an_input_the_output_does_not_use()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones([3], DType.Float64).RequiresGrad_();
        var unused = Torch.Ones([3], DType.Float64).RequiresGrad_();
        var y = x.Sum();

        // When
        var error = Should.Throw<TorchException>(() => Autograd.Grad([y], [x, unused]));

        // Then
        error.Message.ShouldContain("not have been used in the graph");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_an_in_place_op_changed_a_value_saved_for_backward()
    {
        // Given: exp saves its output, which is then overwritten
        using var scope = TensorScope.Begin();
        var x = Torch.Ones([3], DType.Float64).RequiresGrad_();
        var y = x.Exp();
        y.Mul_(2.0);

        // When
        var error = Should.Throw<TorchException>(() => y.Sum().Backward());

        // Then
        error.Message.ShouldContain("modified by an inplace operation");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_When_a_leaf_that_requires_grad_is_changed_in_place()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones([3], DType.Float64).RequiresGrad_();

        // When
        var error = Should.Throw<TorchException>(() => x.Add_(1.0));

        // Then
        error.Message.ShouldContain("leaf Variable that requires grad");
        error.Message.ShouldNotContain(Backtrace);
        ShouldStillWork();
    }

    [Fact]
    public void Should_throw_before_calling_native_code_When_managed_arguments_are_invalid()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros(2, 3);

        // When / Then
        Should.Throw<ArgumentException>(() => Torch.FromArray(new float[5], 2, 3)).Message.ShouldContain("5 elements");
        Should.Throw<ArgumentException>(() => Torch.FromBytes(new byte[7], DType.Float32, 2));
        Should.Throw<ArgumentOutOfRangeException>(() => Functional.Dropout(x, 1.5));
        Should.Throw<ArgumentOutOfRangeException>(() => x.Split(0));
        Should.Throw<ArgumentException>(() => Autograd.Grad([x.Sum()], [x], gradOutputs: [x, x]));
    }

    [Fact]
    public void Should_throw_a_value_exception_When_clamp_gets_no_bound()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros(2);

        // When
        var error = Should.Throw<TorchValueException>(() => x.Clamp());

        // Then
        error.Message.ShouldContain("at least one bound");
        ShouldStillWork();
    }

    [Fact]
    public void Should_keep_each_threads_message_When_two_threads_fail_at_once()
    {
        // Given: the native error message is thread-local
        var messages = new string[2];

        // When
        Parallel.For(0, 2, i =>
        {
            using var scope = TensorScope.Begin();
            for (var round = 0; round < 200; round++)
            {
                var error = i == 0
                    ? Should.Throw<TorchException>(() => Torch.Zeros(2, 3).Matmul(Torch.Zeros(4, 5)))
                    : Should.Throw<TorchException>(() => Torch.Zeros(2, 3).Select(0, 9));
                messages[i] = error.Message;
            }
        });

        // Then
        messages[0].ShouldContain("cannot be multiplied");
        messages[1].ShouldContain("out of range");
        ShouldStillWork();
    }
}
