namespace Bulwark.Torch.Nn;

/// <summary>Applies its modules in order; they are named "0", "1", … as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> layers = [];

    public Sequential(params Module[] modules)
    {
        foreach (var module in modules)
        {
            Add(module);
        }
    }

    public int Count => layers.Count;

    public Module this[int index] => layers[index];

    public IReadOnlyList<Module> Layers => layers;

    public Sequential Add(Module module)
    {
        RegisterModule(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        layers.Add(module);
        return this;
    }

    /// <summary>
    /// Runs the layers, freeing each intermediate output as soon as the next layer has consumed it
    /// (autograd keeps what backward needs), so a forward pass leaves only its result behind.
    /// </summary>
    public override Tensor Forward(Tensor input) => Chain(layers, input);

    /// <summary>
    /// Runs <paramref name="modules"/> one after another on <paramref name="input"/>, freeing each intermediate output as
    /// soon as the next module has consumed it. The result is always a new tensor (an alias of the input when there are
    /// no modules), so the caller owns it.
    /// </summary>
    public static Tensor Chain(IEnumerable<Module> modules, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(input);
        var current = input;
        foreach (var layer in modules)
        {
            var next = layer.Forward(current);
            if (!ReferenceEquals(current, input) && !ReferenceEquals(current, next))
            {
                current.Dispose();
            }

            current = next;
        }

        return ReferenceEquals(current, input) ? input.Alias() : current;
    }
}
