using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// A network seen as the moment regularizer needs it: <c>f(x) = Ω(relu(Υ(P(x))))</c>, where P is a prefix of
/// input-only layers (<see cref="Standardize"/>, <see cref="Flatten"/>), Υ the first affine layer (<see cref="Conv2d"/>
/// or <see cref="Linear"/>, with its bias) and Ω everything after the first ReLU.
/// <para>
/// A network that starts affine → max-pool → ReLU (the papers' LeNet and AlexNet) is read as affine → ReLU → max-pool:
/// the two commute, so the forward pass is unchanged, and Ω then begins with the max-pool, as the reference's
/// <c>GNM</c> subclasses swap the layers. The model itself is not modified.
/// </para>
/// </summary>
public sealed class MomentDecomposition
{
    private MomentDecomposition(IReadOnlyList<Module> prefix, Module affine, IReadOnlyList<Module> rest)
    {
        Prefix = prefix;
        Affine = affine;
        Rest = rest;
    }

    /// <summary>Input-only layers before the affine layer (standardisation, flattening).</summary>
    public IReadOnlyList<Module> Prefix { get; }

    /// <summary>The first affine layer Υ: a <see cref="Conv2d"/> or a <see cref="Linear"/>.</summary>
    public Module Affine { get; }

    /// <summary>Ω: the layers applied to the first ReLU's output (a commuted max-pool first).</summary>
    public IReadOnlyList<Module> Rest { get; }

    /// <summary>
    /// Splits <paramref name="model"/>, or throws an <see cref="ArgumentException"/> naming the first layer that does
    /// not fit the form prefix → affine → [max-pool →] ReLU → Ω.
    /// </summary>
    public static MomentDecomposition Of(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is not Sequential sequential)
        {
            throw new ArgumentException(
                $"the moment regularizer needs a Sequential model whose first layers are affine → ReLU; got {model.GetType().Name}",
                nameof(model));
        }

        var layers = sequential.Layers;
        var index = 0;
        var prefix = new List<Module>();
        while (index < layers.Count && layers[index] is Standardize or Flatten)
        {
            prefix.Add(layers[index++]);
        }

        if (index >= layers.Count || layers[index] is not (Conv2d or Linear))
        {
            throw new ArgumentException(
                $"the moment regularizer needs an affine first layer (Conv2d or Linear); layer {index} is {Describe(layers, index)}",
                nameof(model));
        }

        var affine = layers[index++];
        var rest = new List<Module>();
        if (index + 1 < layers.Count && layers[index] is MaxPool2d && layers[index + 1] is ReLU)
        {
            // max-pool then ReLU equals ReLU then max-pool: Ω starts with the pool.
            rest.Add(layers[index]);
            index += 2;
        }
        else if (index < layers.Count && layers[index] is ReLU)
        {
            index++;
        }
        else
        {
            throw new ArgumentException(
                $"the moment regularizer needs a ReLU right after the first affine layer (or after a max-pool that follows it); " +
                $"layer {index} is {Describe(layers, index)}",
                nameof(model));
        }

        for (; index < layers.Count; index++)
        {
            rest.Add(layers[index]);
        }

        return new MomentDecomposition(prefix, affine, rest);
    }

    /// <summary>P(x): the input after the prefix layers.</summary>
    public Tensor ApplyPrefix(Tensor input) => Sequential.Chain(Prefix, input);

    /// <summary>Ω(h): the rest of the network applied to a first-ReLU output (or to its Gaussian mean).</summary>
    public Tensor ApplyRest(Tensor hidden) => Sequential.Chain(Rest, hidden);

    /// <summary>
    /// The standard deviation of each first-layer pre-activation when the input carries independent noise of variance
    /// <paramref name="inputVariance"/> (in the model's input space, shape [1, …] of one input or broadcastable to it):
    /// the variance passes the prefix (divided by std² per channel under <see cref="Standardize"/>), then the squared
    /// weights without bias, with the layer's stride, padding, dilation and groups: <c>s = sqrt((W∘W) ⋆ σ²)</c>.
    /// </summary>
    public Tensor PreActivationStd(Tensor inputVariance)
    {
        ArgumentNullException.ThrowIfNull(inputVariance);
        using var scope = TensorScope.Begin();
        var variance = inputVariance;
        foreach (var layer in Prefix)
        {
            variance = layer switch
            {
                Standardize standardize => variance.Div(standardize.Std.Square()),
                Flatten flatten => flatten.Forward(variance),
                _ => throw new InvalidOperationException($"unexpected prefix layer {layer}"),
            };
        }

        var squared = Affine switch
        {
            Conv2d conv => Functional.Conv2d(variance, conv.Weight.Square(), null, conv.Stride, conv.Padding, conv.Dilation, conv.Groups),
            Linear linear => Functional.Linear(variance, linear.Weight.Square()),
            _ => throw new InvalidOperationException($"unexpected affine layer {Affine}"),
        };
        return scope.Keep(squared.Sqrt());
    }

    private static string Describe(IReadOnlyList<Module> layers, int index) =>
        index < layers.Count ? layers[index].ToString() ?? layers[index].GetType().Name : "missing (the model ends there)";
}
