using Bulwark.Torch;
using Bulwark.Torch.Models;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks.Tests.Contract;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// A small model with a batch to attack: labels (the model's prediction, except every fourth sample, which is labelled
/// wrongly so that it is misclassified before any attack) and targets (the most likely class other than the label).
/// Every call of <see cref="Create"/> builds a fresh model from fixed seeds, so tests running in parallel never share a
/// network (attacks switch its mode).
/// </summary>
internal sealed class TestTarget : IDisposable
{
    private TestTarget(string name, AttackModel model, Tensor inputs)
    {
        Name = name;
        Model = model;
        Inputs = inputs;
        using var scope = TensorScope.Begin();
        using var eval = model.EvaluationMode();
        using var noGrad = Autograd.NoGrad();
        var logits = model.Logits(inputs);
        Classes = logits.Size(1);
        var predicted = logits.Argmax(1).ToArray<long>();
        var labels = predicted.Select((p, i) => i % 4 == 3 ? (p + 1) % Classes : p).ToArray();
        Labels = scope.Release(Torch.FromArray(labels, labels.Length));
        Targets = scope.Release(logits.Scatter(1, Labels.Unsqueeze(1), double.NegativeInfinity).Argmax(1));
    }

    /// <summary>The targets <see cref="Create"/> knows: a tiny conv net and a tiny MLP on 1×8×8 inputs, and an affine classifier.</summary>
    public static IReadOnlyList<string> Names { get; } = ["conv", "mlp", "affine"];

    public string Name { get; }

    public AttackModel Model { get; }

    /// <summary>Inputs [N, ...] inside the model's box.</summary>
    public Tensor Inputs { get; }

    /// <summary>Ground-truth labels [N] (int64); every fourth sample is already misclassified.</summary>
    public Tensor Labels { get; }

    /// <summary>Targets [N] (int64) for targeted runs, each different from its label.</summary>
    public Tensor Targets { get; }

    public long Classes { get; }

    public static TestTarget Create(string name) => name switch
    {
        // conv → batch norm → ReLU → pool → linear; batch norm behaves differently in training mode
        "conv" => Network(name, new Sequential(new Conv2d(1, 4, 3, padding: 1), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(4 * 4 * 4, 10))),
        // dropout makes any prediction made in training mode random
        "mlp" => Network(name, ModelZoo.Mlp(64, [32], 10, dropout: 0.5)),
        "affine" => Affine(),
        _ => throw new ArgumentException($"unknown test target '{name}'", nameof(name)),
    };

    /// <summary>
    /// A float32 network on <paramref name="samples"/> random <paramref name="channels"/>×8×8 inputs in [0, 1], in training
    /// mode, with weights drawn from a fixed seed; attacked through <paramref name="model"/> if given (it must wrap the network).
    /// </summary>
    public static TestTarget Network(string name, Module network, long channels = 1, int samples = 8, AttackModel? model = null)
    {
        using var generator = new Generator(17);
        Reinitialise(network, generator);
        network.Train();
        var inputs = Torch.Rand([samples, channels, 8, 8], generator);
        return new TestTarget(name, model ?? new AttackModel(network), inputs);
    }

    /// <summary>Draws every weight and bias of the linear and convolution layers as PyTorch does, from <paramref name="generator"/>.</summary>
    public static void Reinitialise(Module network, Generator generator)
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var (_, module) in network.NamedModules())
        {
            var (weight, bias) = module switch
            {
                Linear linear => (linear.Weight, linear.Bias),
                Conv2d conv => (conv.Weight, conv.Bias),
                _ => (null, null),
            };
            if (weight is null)
            {
                continue;
            }

            var bound = 1 / Math.Sqrt(weight.NumberOfElements / weight.Size(0));
            weight.Uniform_(-bound, bound, generator);
            bias?.Uniform_(-bound, bound, generator);
        }
    }

    private static TestTarget Affine()
    {
        var affine = new AffineClassifier();
        affine.Labels.Dispose();
        return new TestTarget("affine", affine.Model, affine.Inputs);
    }

    /// <summary>Whether each input meets <paramref name="criterion"/> [N] (bool), predicted again in evaluation mode.</summary>
    public Tensor MeetsCriterion(Tensor inputs, Criterion criterion)
    {
        using var eval = Model.EvaluationMode();
        using var noGrad = Autograd.NoGrad();
        using var logits = Model.Logits(inputs);
        return criterion.IsAdversarial(logits);
    }

    public override string ToString() => Name;

    public void Dispose()
    {
        Model.Network.Dispose();
        Inputs.Dispose();
        Labels.Dispose();
        Targets.Dispose();
    }
}
