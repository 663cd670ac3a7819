using Bulwark.Torch.Interop;

namespace Bulwark.Torch;

/// <summary>Automatic differentiation: backward passes, gradients of gradients, and grad-mode scopes.</summary>
public static class Autograd
{
    /// <summary>
    /// Accumulates the gradients of <paramref name="outputs"/> into the leaves' <see cref="Tensor.Grad"/>.
    /// <paramref name="gradOutputs"/> (or any entry of it) may be null for scalar outputs.
    /// </summary>
    public static void Backward(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor?>? gradOutputs = null,
        bool retainGraph = false, bool createGraph = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        CheckCounts(outputs.Count, gradOutputs, nameof(gradOutputs));
        using var outs = new Native.HandleArray(outputs);
        using var grads = new Native.HandleArray(gradOutputs ?? []);
        Native.Check(NativeMethods.BwAutograd_backward(outs.Pointers, gradOutputs is null ? default : grads.Pointers,
            outputs.Count, retainGraph || createGraph ? 1 : 0, createGraph ? 1 : 0));
    }

    /// <summary>
    /// The gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, as PyTorch's
    /// <c>torch.autograd.grad</c>. With <paramref name="createGraph"/> the result is itself differentiable
    /// (double backprop). An entry is null only when <paramref name="allowUnused"/> is set and the outputs
    /// do not depend on that input.
    /// </summary>
    public static Tensor?[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs,
        IReadOnlyList<Tensor?>? gradOutputs = null, bool? retainGraph = null, bool createGraph = false,
        bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        CheckCounts(outputs.Count, gradOutputs, nameof(gradOutputs));
        using var outs = new Native.HandleArray(outputs);
        using var ins = new Native.HandleArray(inputs);
        using var grads = new Native.HandleArray(gradOutputs ?? []);
        var results = new nint[inputs.Count];
        var retain = retainGraph ?? createGraph;
        Native.Check(NativeMethods.BwAutograd_grad(outs.Pointers, gradOutputs is null ? default : grads.Pointers,
            outputs.Count, ins.Pointers, inputs.Count, retain ? 1 : 0, createGraph ? 1 : 0, allowUnused ? 1 : 0, results));
        var tensors = new Tensor?[inputs.Count];
        for (var i = 0; i < results.Length; i++)
        {
            tensors[i] = results[i] == 0 ? null : new Tensor(new TensorHandle(results[i]));
        }

        return tensors;
    }

    /// <summary>The gradient of one output with respect to one input.</summary>
    public static Tensor Grad(Tensor output, Tensor input, Tensor? gradOutput = null, bool? retainGraph = null,
        bool createGraph = false) =>
        Grad([output], [input], gradOutput is null ? null : [gradOutput], retainGraph, createGraph)[0]!;

    public static bool IsGradEnabled
    {
        get
        {
            Native.Check(NativeMethods.BwAutograd_isGradEnabled(out var enabled));
            return enabled != 0;
        }
    }

    /// <summary>Disables gradient recording on this thread until disposed (PyTorch's <c>torch.no_grad()</c>).</summary>
    public static GradModeScope NoGrad() => new(false);

    /// <summary>Enables gradient recording on this thread until disposed.</summary>
    public static GradModeScope EnableGrad() => new(true);

    private static void CheckCounts(int outputs, IReadOnlyList<Tensor?>? gradOutputs, string name)
    {
        if (gradOutputs is not null && gradOutputs.Count != outputs)
        {
            throw new ArgumentException($"{gradOutputs.Count} gradient outputs given for {outputs} outputs", name);
        }
    }
}

/// <summary>Sets the grad mode of this thread and restores the previous one when disposed.</summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool previous;

    internal GradModeScope(bool enabled)
    {
        previous = Autograd.IsGradEnabled;
        Native.Check(NativeMethods.BwAutograd_setGradEnabled(enabled ? 1 : 0));
    }

    public void Dispose() => Native.Check(NativeMethods.BwAutograd_setGradEnabled(previous ? 1 : 0));
}
