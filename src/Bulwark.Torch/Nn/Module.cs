using Bulwark.Torch.Interop;

namespace Bulwark.Torch.Nn;

/// <summary>
/// A neural-network building block, as PyTorch's <c>nn.Module</c>: named parameters, buffers and submodules
/// (registered in order, so state-dict keys read <c>features.0.weight</c>), a training/evaluation mode, device
/// moves and a state dictionary. A module owns its parameters and buffers and frees them when disposed.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> parameters = [];
    private readonly List<KeyValuePair<string, Tensor>> buffers = [];
    private readonly List<KeyValuePair<string, Module>> modules = [];
    private bool disposed;

    /// <summary>True in training mode (dropout active, batch norm using batch statistics).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Same as <see cref="Forward"/>; reads like calling the module in PyTorch.</summary>
    public Tensor Call(Tensor input) => Forward(input);

    /// <summary>Registers a tensor as a trainable parameter (gradient required); the module owns it from now on.</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        // The name is checked before the tensor leaves its scope, so a refused tensor is still freed with it.
        CheckName(name);
        Own(tensor);
        tensor.RequiresGrad = true;
        parameters.Add(new(name, tensor));
        return tensor;
    }

    /// <summary>Registers a tensor that is state but not trained (e.g. running statistics).</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor)
    {
        CheckName(name);
        Own(tensor);
        buffers.Add(new(name, tensor));
        return tensor;
    }

    protected T RegisterModule<T>(string name, T module)
        where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        modules.Add(new(CheckName(name), module));
        return module;
    }

    private static void Own(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        TensorScope.Current?.Release(tensor);
    }

    private string CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
        {
            throw new ArgumentException($"'{name}' is not a valid member name (empty or contains '.')", nameof(name));
        }

        if (parameters.Any(p => p.Key == name) || buffers.Any(b => b.Key == name) || modules.Any(m => m.Key == name))
        {
            throw new ArgumentException($"{GetType().Name} already has a member named '{name}'", nameof(name));
        }

        return name;
    }

    /// <summary>Direct submodules in registration order.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedChildren() => modules;

    public IEnumerable<Module> Children() => modules.Select(m => m.Value);

    /// <summary>This module and all below it, depth first, with dotted names ("" for this one).</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        yield return new(prefix, this);
        foreach (var (name, module) in modules)
        {
            foreach (var inner in module.NamedModules(Join(prefix, name)))
            {
                yield return inner;
            }
        }
    }

    /// <summary>All parameters with dotted names, in registration order (PyTorch's order).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters() =>
        NamedModules().SelectMany(m => m.Value.parameters.Select(p => new KeyValuePair<string, Tensor>(Join(m.Key, p.Key), p.Value)));

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(p => p.Value);

    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers() =>
        NamedModules().SelectMany(m => m.Value.buffers.Select(b => new KeyValuePair<string, Tensor>(Join(m.Key, b.Key), b.Value)));

    /// <summary>Number of scalar parameters.</summary>
    public long ParameterCount => Parameters().Sum(p => p.NumberOfElements);

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    /// <summary>Sets training mode here and in every submodule.</summary>
    public Module Train(bool mode = true)
    {
        foreach (var (_, module) in NamedModules())
        {
            module.Training = mode;
        }

        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Moves every parameter and buffer to <paramref name="device"/> (in place: references stay valid).</summary>
    public Module To(Device device)
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var tensor in Parameters().Concat(NamedBuffers().Select(b => b.Value)))
        {
            using var moved = tensor.To(device);
            tensor.SetData_(moved);
        }

        return this;
    }

    /// <summary>Casts floating-point parameters and buffers to <paramref name="dtype"/> (in place).</summary>
    public Module To(DType dtype)
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var tensor in Parameters().Concat(NamedBuffers().Select(b => b.Value)))
        {
            if (tensor.DType.IsFloatingPoint())
            {
                using var cast = tensor.To(dtype);
                tensor.SetData_(cast);
            }
        }

        return this;
    }

    /// <summary>Sets every parameter's gradient to none.</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in Parameters())
        {
            parameter.Grad = null;
        }
    }

    /// <summary>
    /// Parameters and buffers by dotted name. The tensors are the module's own (not copies): do not dispose them.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in NamedParameters().Concat(NamedBuffers()))
        {
            state[name] = tensor;
        }

        return state;
    }

    /// <summary>
    /// Copies values from <paramref name="state"/> into this module's parameters and buffers. With
    /// <paramref name="strict"/>, missing or unexpected keys are an error; shapes must always match.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        if (strict)
        {
            var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
            var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
            {
                throw new ArgumentException(
                    $"state dict does not match {GetType().Name}: missing [{string.Join(", ", missing)}], " +
                    $"unexpected [{string.Join(", ", unexpected)}]", nameof(state));
            }
        }

        // Every shape is checked before anything is copied, so a refused state dict leaves the module as it was.
        var pairs = own.Where(p => state.ContainsKey(p.Key)).Select(p => (Name: p.Key, Target: p.Value, Source: state[p.Key])).ToList();
        foreach (var (name, target, source) in pairs)
        {
            if (!source.Shape.SequenceEqual(target.Shape))
            {
                throw new ArgumentException(
                    $"'{name}' has shape [{string.Join(", ", source.Shape)}] in the state dict but " +
                    $"[{string.Join(", ", target.Shape)}] in the module", nameof(state));
            }
        }

        using var noGrad = Autograd.NoGrad();
        foreach (var (_, target, source) in pairs)
        {
            target.Copy_(source);
        }
    }

    public override string ToString() => ToString(0);

    private string ToString(int indent)
    {
        if (modules.Count == 0)
        {
            return Describe();
        }

        var pad = new string(' ', indent + 2);
        var lines = modules.Select(m => $"{pad}({m.Key}): {m.Value.ToString(indent + 2)}");
        return $"{GetType().Name}(\n{string.Join("\n", lines)}\n{new string(' ', indent)})";
    }

    /// <summary>One-line description of a leaf module, e.g. <c>Linear(in=84, out=10)</c>.</summary>
    protected virtual string Describe() => $"{GetType().Name}()";

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var (_, module) in modules)
        {
            module.Dispose();
        }

        foreach (var (_, tensor) in parameters.Concat(buffers))
        {
            tensor.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}
