using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Models;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks.Tests;

/// <summary>
/// A small random ReLU network in float64 on inputs in [0, 1], seeded: weights He-normal (so logits spread like a
/// trained model's rather than collapsing near zero), inputs uniform, labels the network's own predictions.
/// </summary>
internal sealed class SmallNetwork : IDisposable
{
    public SmallNetwork(int inputs = 16, int classes = 5, int samples = 12, ulong seed = 7)
    {
        using var generator = new Generator(seed);
        var network = ModelZoo.Mlp(inputs, [32, 32], classes);
        network.To(DType.Float64);
        using (Autograd.NoGrad())
        {
            foreach (var (name, parameter) in network.NamedParameters())
            {
                if (name.EndsWith("bias", StringComparison.Ordinal))
                {
                    Init.Normal_(parameter, 0, 0.1, generator);
                }
                else
                {
                    Init.KaimingNormal_(parameter, nonlinearity: "relu", generator: generator);
                }
            }
        }

        Model = new AttackModel(network, Bounds.Unit);
        Inputs = Torch.Torch.Rand([samples, 1, 4, inputs / 4], generator, DType.Float64);
        Labels = Model.Predict(Inputs);
    }

    public AttackModel Model { get; }

    public Tensor Inputs { get; }

    /// <summary>The network's predictions on <see cref="Inputs"/>: every input starts correctly classified.</summary>
    public Tensor Labels { get; }

    public void Dispose()
    {
        Model.Network.Dispose();
        Inputs.Dispose();
        Labels.Dispose();
    }
}
