using System.Diagnostics.CodeAnalysis;

namespace Bulwark.Torch.Optim;

/// <summary>
/// What an optimizer remembers about one parameter: the number of updates it took and its named buffers
/// (<c>exp_avg</c>, <c>momentum_buffer</c>, …). The buffers belong to the state, never to a <see cref="TensorScope"/>,
/// and are freed when the optimizer is disposed.
/// </summary>
public sealed class ParameterState : IDisposable
{
    private readonly OrderedDictionary<string, Tensor> buffers = new(StringComparer.Ordinal);

    /// <summary>Number of updates applied to the parameter (PyTorch's <c>state["step"]</c>).</summary>
    public long Step { get; set; }

    /// <summary>The buffers, in the order they were added.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Buffers => buffers;

    public bool TryGetBuffer(string name, [NotNullWhen(true)] out Tensor? buffer) => buffers.TryGetValue(name, out buffer);

    /// <summary>The buffer <paramref name="name"/>, made as zeros shaped like <paramref name="like"/> on first use.</summary>
    public Tensor GetOrAddZeros(string name, Tensor like)
    {
        if (!buffers.TryGetValue(name, out var buffer))
        {
            buffer = Torch.ZerosLike(like);
            Add(name, buffer);
        }

        return buffer;
    }

    /// <summary>Adds a buffer and takes ownership of it: it leaves every open <see cref="TensorScope"/>.</summary>
    public void Add(string name, Tensor buffer)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(buffer);
        TensorScope.Current?.Release(buffer);
        if (!buffers.TryAdd(name, buffer))
        {
            buffer.Dispose();
            throw new ArgumentException($"the state already has a buffer named '{name}'", nameof(name));
        }
    }

    public void Dispose()
    {
        foreach (var buffer in buffers.Values)
        {
            buffer.Dispose();
        }

        buffers.Clear();
    }
}
