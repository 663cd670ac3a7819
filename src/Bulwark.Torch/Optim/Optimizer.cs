using System.Globalization;

namespace Bulwark.Torch.Optim;

/// <summary>
/// Updates parameters from their gradients, as PyTorch's <c>torch.optim.Optimizer</c>: parameter groups with their
/// own settings, per-parameter state, <see cref="ZeroGrad"/>, <see cref="Step"/>, and a state dict for checkpoints.
/// <code>
/// using var optimizer = new Adam(model.Parameters(), new AdamOptions { LearningRate = 1e-3 });
/// optimizer.ZeroGrad();
/// loss.Backward();
/// optimizer.Step();
/// </code>
/// The optimizer owns its state tensors (never an ambient <see cref="TensorScope"/>), frees them in
/// <see cref="Dispose"/>, and never disposes the parameters.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly List<ParameterGroup> groups = [];
    private readonly Dictionary<Tensor, ParameterState> states = new(ReferenceEqualityComparer.Instance);
    private bool disposed;

    protected Optimizer(IEnumerable<ParameterGroup> parameterGroups)
    {
        ArgumentNullException.ThrowIfNull(parameterGroups);
        foreach (var group in parameterGroups)
        {
            AddParameterGroup(group);
        }

        if (groups.Count == 0)
        {
            throw new ArgumentException("the optimizer got no parameter groups", nameof(parameterGroups));
        }
    }

    public IReadOnlyList<ParameterGroup> ParameterGroups => groups;

    /// <summary>Adds a group (PyTorch's <c>add_param_group</c>), e.g. to unfreeze layers during training.</summary>
    /// <exception cref="ArgumentException">
    /// The options are of another optimizer or out of range, a parameter is not a leaf, or a parameter is already
    /// in a group.
    /// </exception>
    public void AddParameterGroup(ParameterGroup group)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(group);
        if (group.Owner is not null)
        {
            throw new ArgumentException("the parameter group already belongs to an optimizer", nameof(group));
        }

        CheckOptions(group.Options);
        var seen = new HashSet<Tensor>(groups.SelectMany(g => g.Parameters), ReferenceEqualityComparer.Instance);
        foreach (var parameter in group.Parameters)
        {
            if (parameter is null)
            {
                throw new ArgumentException("a parameter group holds a null tensor", nameof(group));
            }

            ObjectDisposedException.ThrowIf(parameter.IsDisposed, parameter);
            if (!parameter.IsLeaf)
            {
                throw new ArgumentException($"cannot optimize a non-leaf tensor ({parameter})", nameof(group));
            }

            if (!seen.Add(parameter))
            {
                throw new ArgumentException($"a parameter appears more than once in the parameter groups ({parameter})", nameof(group));
            }
        }

        group.Owner = this;
        groups.Add(group);
    }

    /// <summary>
    /// Clears the gradients of every parameter. By default it sets them to none, as PyTorch 2.x's
    /// <c>zero_grad(set_to_none=True)</c>: it frees their memory, and <see cref="Step"/> skips a parameter without a
    /// gradient. With <paramref name="setToNone"/> false it fills them with zeros instead.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var scope = TensorScope.Begin();
        foreach (var parameter in groups.SelectMany(g => g.Parameters))
        {
            if (setToNone)
            {
                parameter.Grad = null;
            }
            else
            {
                using var gradient = parameter.Grad;
                gradient?.Zero_();
            }
        }
    }

    /// <summary>
    /// Applies one update to every parameter that has a gradient, without recording it for autograd. Temporaries
    /// are freed before it returns; state for a parameter is made on its first update.
    /// </summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        foreach (var group in groups)
        {
            var options = group.Options;
            foreach (var parameter in group.Parameters)
            {
                using var gradient = parameter.Grad;
                if (gradient is null)
                {
                    continue;
                }

                if (!states.TryGetValue(parameter, out var state))
                {
                    state = new ParameterState();
                    states.Add(parameter, state);
                }

                state.Step++;
                Update(parameter, gradient, options, state);
            }
        }
    }

    /// <summary>The state of <paramref name="parameter"/>, or null before its first update (PyTorch's <c>optimizer.state[p]</c>).</summary>
    public ParameterState? StateOf(Tensor parameter)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return states.GetValueOrDefault(parameter);
    }

    /// <summary>
    /// A snapshot of the optimizer for a checkpoint: each group's settings, and copies of the state tensors named
    /// <c>state.{i}.{buffer}</c> and <c>state.{i}.step</c> (an int64 scalar), where <c>i</c> numbers the parameters
    /// across all groups in order, as in PyTorch. The copies are new tensors (made in the current scope, if any);
    /// disposing the snapshot frees them.
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            var index = 0;
            foreach (var parameter in groups.SelectMany(g => g.Parameters))
            {
                if (states.TryGetValue(parameter, out var state))
                {
                    var prefix = string.Create(CultureInfo.InvariantCulture, $"state.{index}.");
                    tensors.Add(prefix + StepKey, Torch.Scalar(state.Step, DType.Int64));
                    foreach (var (name, buffer) in state.Buffers)
                    {
                        tensors.Add(prefix + name, buffer.Clone());
                    }
                }

                index++;
            }
        }
        catch
        {
            DisposeAll(tensors.Values);
            throw;
        }

        var groupStates = groups.Select(g => new ParameterGroupState(g.Options, g.Parameters.Count)).ToList();
        return new OptimizerStateDict(GetType().Name, groupStates, tensors);
    }

    /// <summary>
    /// Restores a snapshot taken by <see cref="StateDict"/> of an optimizer of the same type over parameters of the
    /// same shapes: each group's settings and all state. The state is copied (cast to each parameter's dtype and
    /// device), so the snapshot stays the caller's. Nothing changes when it throws.
    /// </summary>
    /// <exception cref="ArgumentException">The snapshot does not fit this optimizer.</exception>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        ArgumentNullException.ThrowIfNull(stateDict);
        if (stateDict.Optimizer != GetType().Name)
        {
            throw new ArgumentException($"the state dict is of {stateDict.Optimizer}, not of {GetType().Name}", nameof(stateDict));
        }

        if (stateDict.ParameterGroups.Count != groups.Count)
        {
            throw new ArgumentException(
                $"the state dict has {stateDict.ParameterGroups.Count} parameter groups; this optimizer has {groups.Count}", nameof(stateDict));
        }

        for (var g = 0; g < groups.Count; g++)
        {
            var saved = stateDict.ParameterGroups[g];
            if (saved.ParameterCount != groups[g].Parameters.Count)
            {
                throw new ArgumentException(
                    $"parameter group {g} of the state dict has {saved.ParameterCount} parameters; this optimizer's has {groups[g].Parameters.Count}",
                    nameof(stateDict));
            }

            CheckOptions(saved.Options);
        }

        var parameters = groups.SelectMany(g => g.Parameters).ToList();
        var optionsOf = groups.SelectMany(g => g.Parameters.Select(_ => g.Options)).ToList();
        var loaded = new Dictionary<int, ParameterState>();
        try
        {
            using var noGrad = Autograd.NoGrad();
            foreach (var (key, tensor) in stateDict.Tensors)
            {
                var (index, name) = ParseStateKey(key, parameters.Count);
                if (!loaded.TryGetValue(index, out var state))
                {
                    state = new ParameterState();
                    loaded.Add(index, state);
                }

                if (name == StepKey)
                {
                    state.Step = ReadStep(key, tensor);
                    continue;
                }

                var parameter = parameters[index];
                if (!tensor.Shape.SequenceEqual(parameter.Shape))
                {
                    throw new ArgumentException(
                        $"'{key}' has shape [{string.Join(", ", tensor.Shape)}] but parameter {index} has shape [{string.Join(", ", parameter.Shape)}]",
                        nameof(stateDict));
                }

                var copy = Torch.Empty(parameter.Shape, parameter.DType, parameter.Device);
                state.Add(name, copy);
                copy.Copy_(tensor);
            }

            foreach (var (index, state) in loaded)
            {
                var message = CheckState(state, optionsOf[index]);
                if (message is not null)
                {
                    throw new ArgumentException($"the state of parameter {index} {message}", nameof(stateDict));
                }
            }
        }
        catch
        {
            DisposeAll(loaded.Values);
            throw;
        }

        DisposeAll(states.Values);
        states.Clear();
        foreach (var (index, state) in loaded)
        {
            states.Add(parameters[index], state);
        }

        for (var g = 0; g < groups.Count; g++)
        {
            groups[g].Options = stateDict.ParameterGroups[g].Options;
        }
    }

    /// <summary>Frees the state tensors; the parameters stay the caller's.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        DisposeAll(states.Values);
        states.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Applies one update to <paramref name="parameter"/> in place. Runs without grad inside a scope that frees
    /// every tensor made here; <paramref name="state"/>'s step is already counted.
    /// </summary>
    protected abstract void Update(Tensor parameter, Tensor gradient, OptimizerOptions options, ParameterState state);

    /// <summary>Throws <see cref="ArgumentException"/> for options of another optimizer or out of range.</summary>
    protected abstract void ValidateOptions(OptimizerOptions options);

    /// <summary>Why a loaded state cannot drive <see cref="Update"/> with these options (e.g. a missing buffer), or null.</summary>
    protected virtual string? CheckState(ParameterState state, OptimizerOptions options) => null;

    /// <summary>
    /// The gradient the update rules see: negated under <see cref="OptimizerOptions.Maximize"/> and with
    /// <c>WeightDecay · θ</c> added, or null when it is the raw gradient. The caller disposes a non-null result.
    /// </summary>
    protected static Tensor? AdjustGradient(Tensor parameter, Tensor gradient, OptimizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(gradient);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Maximize)
        {
            var negated = gradient.Neg();
            return options.WeightDecay != 0 ? negated.Add_(parameter, options.WeightDecay) : negated;
        }

        return options.WeightDecay != 0 ? gradient.Add(parameter, options.WeightDecay) : null;
    }

    /// <summary>Throws unless <paramref name="options"/> is a <typeparamref name="TOptions"/> with a valid learning rate and weight decay.</summary>
    protected TOptions CheckCommonOptions<TOptions>(OptimizerOptions options)
        where TOptions : OptimizerOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options is not TOptions typed)
        {
            throw new ArgumentException($"{GetType().Name} needs {typeof(TOptions).Name}, not {options.GetType().Name}", nameof(options));
        }

        Require(options.LearningRate >= 0, $"invalid learning rate: {options.LearningRate}");
        Require(options.WeightDecay >= 0, $"invalid weight decay: {options.WeightDecay}");
        return typed;
    }

    protected static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message, "options");
        }
    }

    internal void CheckOptions(OptimizerOptions options) => ValidateOptions(options);

    private const string StepKey = "step";

    private static (int Index, string Name) ParseStateKey(string key, int parameterCount)
    {
        var parts = key.Split('.', 3);
        if (parts.Length != 3 || parts[0] != "state" || parts[2].Length == 0
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new ArgumentException($"'{key}' is not a state key of the form state.<parameter>.<name>", "stateDict");
        }

        if (index >= parameterCount)
        {
            throw new ArgumentException($"'{key}' names parameter {index}, but the optimizer has {parameterCount} parameters", "stateDict");
        }

        return (index, parts[2]);
    }

    private static long ReadStep(string key, Tensor tensor)
    {
        if (tensor.NumberOfElements != 1)
        {
            throw new ArgumentException($"'{key}' must hold one number, not {tensor.NumberOfElements}", "stateDict");
        }

        var value = tensor.ToDouble();
        if (value < 0 || value != Math.Floor(value))
        {
            throw new ArgumentException($"'{key}' must be a non-negative whole number, not {value}", "stateDict");
        }

        return (long)value;
    }

    private static void DisposeAll<T>(IEnumerable<T> items)
        where T : IDisposable
    {
        foreach (var item in items)
        {
            item.Dispose();
        }
    }
}
