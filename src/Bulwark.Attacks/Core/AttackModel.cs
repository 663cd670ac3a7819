using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks;

/// <summary>
/// What attacks see of a classifier: a module producing logits, the box its inputs live in, and an optional
/// per-channel standardisation applied before the module, so that attacks always work in input space.
/// <see cref="Logits"/> records the graph to the input only: parameter gradients are never accumulated.
/// </summary>
public sealed class AttackModel
{
    private readonly double[]? mean;
    private readonly double[]? std;

    public AttackModel(Module network, Bounds? bounds = null, IReadOnlyList<double>? mean = null, IReadOnlyList<double>? std = null)
    {
        Network = network ?? throw new ArgumentNullException(nameof(network));
        Bounds = bounds ?? Bounds.Unit;
        if ((mean is null) != (std is null) || (mean is not null && mean.Count != std!.Count))
        {
            throw new ArgumentException("preprocessing needs a mean and a std with one value per channel, or neither");
        }

        this.mean = mean?.ToArray();
        this.std = std?.ToArray();
    }

    public Module Network { get; }

    public Bounds Bounds { get; }

    /// <summary>Logits [N, K] for inputs [N, ...] in the model's box.</summary>
    public Tensor Logits(Tensor inputs)
    {
        if (mean is null)
        {
            return Network.Forward(inputs);
        }

        using var scope = TensorScope.Begin();
        var shape = new long[inputs.Dim];
        Array.Fill(shape, 1L);
        shape[1] = mean.Length;
        var m = Torch.Torch.FromArray(mean.Select(v => (float)v).ToArray(), shape).To(inputs.DType, inputs.Device);
        var s = Torch.Torch.FromArray(std!.Select(v => (float)v).ToArray(), shape).To(inputs.DType, inputs.Device);
        return scope.Keep(Network.Forward(inputs.Sub(m).Div(s)));
    }

    /// <summary>Predicted classes [N] (no gradient).</summary>
    public Tensor Predict(Tensor inputs)
    {
        using var noGrad = Autograd.NoGrad();
        using var logits = Logits(inputs);
        return logits.Argmax(1);
    }

    /// <summary>
    /// Puts the network in evaluation mode and stops its parameters from requiring gradients until disposed (an attack
    /// differentiates with respect to the input only, and a graph without parameter leaves is smaller), then restores both.
    /// </summary>
    public IDisposable EvaluationMode() => new ModeRestorer(Network);

    private sealed class ModeRestorer : IDisposable
    {
        private readonly Module module;
        private readonly bool wasTraining;
        private readonly List<Tensor> frozen;

        public ModeRestorer(Module module)
        {
            this.module = module;
            wasTraining = module.Training;
            module.Eval();
            frozen = module.Parameters().Where(p => p.RequiresGrad).ToList();
            frozen.ForEach(p => p.RequiresGrad = false);
        }

        public void Dispose()
        {
            frozen.ForEach(p => p.RequiresGrad = true);
            module.Train(wasTraining);
        }
    }
}
