using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Nn;
using Xunit.Abstractions;

namespace Bulwark.Attacks.Tests;

public sealed class ScratchTests(ITestOutputHelper output)
{
    private void Time(string name, Action<Tensor> body)
    {
        using var x0 = Torch.Torch.Randn([16, 12], null, DType.Float64);
        body(x0);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 50; i++)
        {
            using var scope = TensorScope.Begin();
            body(x0);
        }
        output.WriteLine($"{name}: {clock.Elapsed.TotalMilliseconds / 50:F3} ms");
    }

    [Fact]
    public void Speed()
    {
        output.WriteLine($"threads {Torch.Torch.NumThreads}");
        using var labels = Torch.Torch.Zeros([16], DType.Int64);
        using var index = Torch.Torch.Zeros([16, 1], DType.Int64);
        using var w = Torch.Torch.Randn([4, 12], null, DType.Float64);
        for (var rep = 0; rep < 2; rep++) {
        Time("sum", x => { var y = x.Detach().RequiresGrad_(); Autograd.Grad(y.Sum(), y); });
        Time("sum dim", x => { var y = x.Detach().RequiresGrad_(); Autograd.Grad(y.Sum(1).Sum(), y); });
        Time("matmul", x => { var y = x.Detach().RequiresGrad_(); Autograd.Grad(y.Matmul(w.T).Sum(), y); });
        Time("max dim", x => { var y = x.Detach().RequiresGrad_(); Autograd.Grad(y.Max(1).Values.Sum(), y); });
        Time("max dim fwd", x => { x.Max(1); });
        Time("amax-ish gather", x => { var y = x.Detach().RequiresGrad_(); Autograd.Grad(y.Gather(1, index).Sum(), y); });
        Time("logsoftmax", x => { var y = x.Detach().RequiresGrad_(); Autograd.Grad(y.LogSoftmax(1).Sum(), y); });
        Time("logsoftmax fwd", x => { x.LogSoftmax(1); });
        Time("ce", x => { var y = x.Detach().RequiresGrad_(); Autograd.Grad(Functional.CrossEntropy(y, labels, Reduction.Sum), y); });
        Time("nll fwd", x => { Functional.CrossEntropy(x, labels, Reduction.Sum); });
        Time("scatter", x => { var y = x.Detach().RequiresGrad_(); Autograd.Grad(y.Scatter(1, index, 0.0).Sum(), y); });
        }
    }
}
