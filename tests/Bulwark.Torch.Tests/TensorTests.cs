namespace Bulwark.Torch.Tests;

/// <summary>Metadata, printing, copies and in-place fills of a tensor, and the runtime's settings.</summary>
public sealed class TensorTests
{
    [Fact]
    public void Should_report_shape_dtype_and_device_When_metadata_is_read()
    {
        // Given
        using var scope = TensorScope.Begin();

        // When
        var x = Torch.Zeros([2, 3, 4], DType.Int32);

        // Then
        x.Dim.ShouldBe(3);
        x.Shape.ShouldBe([2L, 3L, 4L]);
        x.Size(1).ShouldBe(3);
        x.Size(-1).ShouldBe(4);
        x.NumberOfElements.ShouldBe(24);
        x.DType.ShouldBe(DType.Int32);
        x.Device.ShouldBe(Device.Cpu);
        x.RequiresGrad.ShouldBeFalse();
        x.IsLeaf.ShouldBeTrue();
    }

    [Fact]
    public void Should_describe_the_tensor_When_converted_to_text()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1.5, -2.25 }, 1, 2);

        // When
        var summary = x.ToString();
        var values = x.ToValuesString();

        // Then
        summary.ShouldBe("Tensor(shape=[1, 2], dtype=float64, device=cpu)");
        values.ShouldContain("1.5000");
        values.ShouldContain("-2.2500");
    }

    [Fact]
    public void Should_overwrite_the_values_When_filled_zeroed_or_copied_into()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Zeros([2, 2], DType.Float64);
        var source = Torch.FromArray(new float[] { 1, 2 }, 2);

        // When / Then: copy_ broadcasts and converts the dtype
        x.Fill_(3).ToArray<double>().ShouldBe([3.0, 3, 3, 3]);
        x.Copy_(source).ToArray<double>().ShouldBe([1.0, 2, 1, 2]);
        x.Zero_().ToArray<double>().ShouldBe([0.0, 0, 0, 0]);
    }

    [Fact]
    public void Should_copy_the_data_When_cloned_but_share_it_When_detached()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2);

        // When
        var clone = x.Clone();
        var detached = x.Detach();
        x.Fill_(9);

        // Then
        clone.ToArray<double>().ShouldBe([1.0, 2]);
        detached.ToArray<double>().ShouldBe([9.0, 9]);
    }

    [Fact]
    public void Should_accumulate_onto_a_gradient_that_was_set_When_backward_runs()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2).RequiresGrad_();
        x.Grad = Torch.FromArray(new double[] { 10, 20 }, 2);

        // When
        (x * 3.0).Sum().Backward();

        // Then
        x.Grad!.ToArray<double>().ShouldBe([13.0, 23]);
    }

    [Fact]
    public void Should_backpropagate_several_outputs_at_once_When_some_gradient_outputs_are_implicit()
    {
        // Given: a scalar output (implicit gradient 1) and a vector output with an explicit one
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2).RequiresGrad_();
        var scalar = x.Square().Sum();
        var vector = x * 5.0;

        // When
        Autograd.Backward([scalar, vector], [null, Torch.FromArray(new double[] { 1, -1 }, 2)]);

        // Then: 2x + 5·[1, −1]
        x.Grad!.ToArray<double>().ShouldBe([7.0, -1]);
    }

    [Fact]
    public void Should_report_the_libtorch_version_and_threads_When_the_runtime_is_queried()
    {
        // Given / When
        var version = Torch.Version;
        var threads = Torch.NumThreads;

        // Then
        version.ShouldMatch(@"^\d+\.\d+");
        threads.ShouldBeGreaterThanOrEqualTo(1);
        Torch.CudaDeviceCount.ShouldBeGreaterThanOrEqualTo(0);
    }

    [Theory]
    [InlineData("cpu", DeviceType.Cpu, -1)]
    [InlineData("cuda", DeviceType.Cuda, 0)]
    [InlineData(" CUDA:2 ", DeviceType.Cuda, 2)]
    public void Should_parse_the_device_When_given_its_name(string text, DeviceType type, int index)
    {
        // Given / When
        var device = Device.Parse(text);

        // Then
        device.ShouldBe(new Device(type, index));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:-1")]
    [InlineData("cpu:0")]
    public void Should_refuse_to_parse_When_the_name_is_not_a_device(string text)
    {
        // Given / When / Then
        Should.Throw<FormatException>(() => Device.Parse(text));
    }
}
