using Bulwark.TestKit;
using Bulwark.Torch.Optim;
using Bulwark.Torch.Serialization;
using static Bulwark.Torch.Tests.Optim.OptimTestKit;

namespace Bulwark.Torch.Tests.Optim;

/// <summary>Optimizers and checkpoints with parameters on a GPU: skipped, with a reason, on a machine without CUDA.</summary>
public sealed class OptimizerCudaTests
{
    [CudaFact]
    public void Should_keep_state_on_the_parameters_device_and_match_the_cpu_When_the_parameter_is_on_cuda()
    {
        // Given the same parameter on the CPU and on the GPU
        using var scope = TensorScope.Begin();
        var onCpu = Torch.TensorOf(Start).RequiresGrad_();
        var onGpu = Torch.TensorOf(Start).To(Device.Cuda()).RequiresGrad_();
        using var cpuAdam = new Adam([onCpu], new AdamOptions { LearningRate = 0.05, AmsGrad = true, WeightDecay = 0.01 });
        using var gpuAdam = new Adam([onGpu], new AdamOptions { LearningRate = 0.05, AmsGrad = true, WeightDecay = 0.01 });

        // When both take the same steps
        foreach (var gradient in GradientSequence)
        {
            var g = Torch.TensorOf(gradient);
            onCpu.Grad = g;
            onGpu.Grad = g.To(Device.Cuda());
            cpuAdam.Step();
            gpuAdam.Step();
        }

        // Then the state lives on the GPU and the values agree
        gpuAdam.StateOf(onGpu)!.Buffers.ShouldAllBe(buffer => buffer.Value.Device.IsCuda);
        ShouldBeClose(Values(onGpu.Cpu()), Values(onCpu), 1e-12);
    }

    [CudaFact]
    public void Should_move_loaded_state_to_the_parameters_device_When_a_cpu_checkpoint_is_loaded_on_cuda()
    {
        using var scope = TensorScope.Begin();
        var onCpu = Torch.TensorOf(Start).RequiresGrad_();
        var onGpu = Torch.TensorOf(Start).To(Device.Cuda()).RequiresGrad_();
        using var cpuRmsprop = new RMSprop([onCpu], new RMSpropOptions { Centered = true, Momentum = 0.5 });
        using var gpuRmsprop = new RMSprop([onGpu], new RMSpropOptions { Centered = true, Momentum = 0.5 });
        onCpu.Grad = Torch.TensorOf(GradientSequence[0]);
        cpuRmsprop.Step();
        var path = Path.Combine(Path.GetTempPath(), $"bulwark-cuda-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var stateDict = cpuRmsprop.StateDict())
            {
                stateDict.Save(path);
            }

            using var loaded = OptimizerStateDict.Load(path);
            gpuRmsprop.LoadStateDict(loaded);
        }
        finally
        {
            File.Delete(path);
        }

        gpuRmsprop.StateOf(onGpu)!.Buffers.ShouldAllBe(buffer => buffer.Value.Device.IsCuda);
        gpuRmsprop.StateOf(onGpu)!.Step.ShouldBe(1);
    }

    [CudaFact]
    public void Should_save_gpu_tensors_and_load_them_on_the_cpu_When_writing_safetensors()
    {
        using var scope = TensorScope.Begin();
        var onGpu = Torch.TensorOf(1.5f, -2f, 3f).To(Device.Cuda());
        var path = Path.Combine(Path.GetTempPath(), $"bulwark-cuda-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = onGpu });

            var loaded = SafeTensors.Load(path)["x"];

            loaded.Device.ShouldBe(Device.Cpu);
            loaded.ToArray<float>().ShouldBe([1.5f, -2f, 3f]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
