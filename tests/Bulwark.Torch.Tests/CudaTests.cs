using Bulwark.TestKit;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>The same engine on a GPU: skipped, with a reason, on a machine without CUDA.</summary>
public sealed class CudaTests
{
    [CudaFact]
    public void Should_return_the_same_values_When_a_tensor_goes_to_the_gpu_and_back()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1.5, -2, 3.25 }, 3);

        // When
        var onGpu = x.To(Device.Cuda());
        var back = (onGpu * 2.0).Cpu();

        // Then
        onGpu.Device.IsCuda.ShouldBeTrue();
        back.Device.ShouldBe(Device.Cpu);
        back.ToArray<double>().ShouldBe([3.0, -4, 6.5]);
    }

    [CudaFact]
    public void Should_draw_the_same_numbers_as_the_cpu_When_a_seeded_generator_creates_on_the_gpu()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var cpuGenerator = new Generator(17);
        using var gpuGenerator = new Generator(17);

        // When
        var onCpu = Torch.Randn([64], cpuGenerator).ToBytes();
        var onGpu = Torch.Randn([64], gpuGenerator, device: Device.Cuda()).ToBytes();

        // Then
        onGpu.ShouldBe(onCpu);
    }

    [CudaFact]
    public void Should_match_finite_differences_When_conv2d_runs_on_the_gpu()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 18);
        var x = samples.Uniform([1, 2, 5, 5]);
        var w = samples.Uniform([3, 2, 3, 3]);

        // When
        var result = GradCheck.SecondOrder(
            inputs => Functional.Conv2d(inputs[0].To(Device.Cuda()), inputs[1].To(Device.Cuda()), padding: (1, 1)).Tanh().Cpu(),
            x, w);

        // Then
        result.Failures.ShouldBeEmpty(result.ToString());
    }

    [CudaFact]
    public void Should_throw_with_libtorchs_message_When_devices_are_mixed()
    {
        // Given
        using var scope = TensorScope.Begin();
        var onCpu = Torch.Ones(3);
        var onGpu = Torch.Ones([3], device: Device.Cuda());

        // When
        var error = Should.Throw<TorchException>(() => onCpu.Matmul(onGpu));

        // Then
        error.Message.ShouldContain("device");
        error.Message.ShouldNotContain("Exception raised from");
    }
}
