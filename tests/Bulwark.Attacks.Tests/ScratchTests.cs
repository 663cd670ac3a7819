using Bulwark.Attacks;
using Bulwark.Torch;
using Xunit.Abstractions;

namespace Bulwark.Attacks.Tests;

public sealed class ScratchTests(ITestOutputHelper output)
{
    [Fact]
    public void Speed()
    {
        output.WriteLine($"threads {Torch.Torch.NumThreads}");
        using var x = Torch.Torch.Randn([16, 1, 1, 12], null, DType.Float64);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
        {
            using var scope = TensorScope.Begin();
            var y = x.Add(1).Mul(2).Square();
        }
        output.WriteLine($"3000 ops: {clock.ElapsedMilliseconds} ms");
        using var affine = new AffineClassifier(classes: 4);
        var context = typeof(AttackContext).GetConstructors(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)[0].Invoke([affine.Model, 0UL]) as AttackContext;
        clock.Restart();
        for (var i = 0; i < 100; i++)
        {
            using var scope = TensorScope.Begin();
            var (l, g) = context!.MarginGradient(affine.Inputs, new Misclassification(affine.Labels));
        }
        output.WriteLine($"100 margin grads: {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        for (var i = 0; i < 100; i++)
        {
            using var scope = TensorScope.Begin();
            var l = context!.Logits(affine.Inputs);
        }
        output.WriteLine($"100 logits: {clock.ElapsedMilliseconds} ms");
    }
}
