using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// The objectives' tiny float64 problem: Flatten → Linear(6, 5) → tanh → Linear(5, 3), smooth so that its second
/// derivatives are not zero (double backprop has something to check), on 1×2×3 images.
/// </summary>
internal static class TinyTanhNet
{
    /// <summary>The net, its weights drawn after seeding the global generator with 17.</summary>
    public static Sequential Create()
    {
        Torch.ManualSeed(17);
        var model = new Sequential(new Flatten(), new Linear(6, 5), new TanhLayer(), new Linear(5, 3));
        model.To(DType.Float64);
        return model;
    }

    /// <summary>One 1×2×3 image per label: standard normal times <paramref name="scale"/>, or uniform in [0, 1] when <paramref name="unitBox"/>.</summary>
    public static (Tensor Inputs, Tensor Labels) Batch(long[] labels, bool unitBox = false, double scale = 2)
    {
        using var generator = new Generator(23);
        long[] shape = [labels.Length, 1, 2, 3];
        var inputs = unitBox ? Torch.Rand(shape, generator, DType.Float64) : Torch.Randn(shape, generator, DType.Float64).Mul(scale);
        return (inputs, Torch.FromArray(labels, labels.Length));
    }
}
