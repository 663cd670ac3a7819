namespace Bulwark.Torch;

/// <summary>
/// Frees in bulk every tensor made on this thread while the scope is open, except those kept:
/// <code>
/// using var scope = TensorScope.Begin();
/// var result = Step(x);        // temporaries made here are freed at the end of the scope
/// return scope.Keep(result);   // ...but this one survives, owned by the enclosing scope (or by the caller)
/// </code>
/// Scopes nest; libtorch memory is invisible to the .NET garbage collector, so loops such as a
/// 500-step attack run inside one.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic]
    private static TensorScope? current;

    private readonly List<Tensor> owned = [];
    private readonly TensorScope? parent;
    private bool disposed;

    private TensorScope(TensorScope? parent) => this.parent = parent;

    /// <summary>The innermost open scope of this thread, if any.</summary>
    public static TensorScope? Current => current;

    /// <summary>Number of tensors this scope will free.</summary>
    public int Count => owned.Count;

    /// <summary>Opens a scope nested in the current one.</summary>
    public static TensorScope Begin()
    {
        var scope = new TensorScope(current);
        current = scope;
        return scope;
    }

    /// <summary>Lets <paramref name="tensor"/> outlive this scope; it moves to the enclosing scope, if any.</summary>
    public Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Detach(tensor))
        {
            parent?.Adopt(tensor);
        }

        return tensor;
    }

    /// <summary>Keeps several tensors; see <see cref="Keep(Tensor)"/>.</summary>
    public (Tensor, Tensor) Keep(Tensor first, Tensor second) => (Keep(first), Keep(second));

    /// <summary>Lets <paramref name="tensor"/> outlive every scope: the caller must dispose it.</summary>
    public Tensor Release(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        for (var scope = this; scope is not null; scope = scope.parent)
        {
            if (scope.Detach(tensor))
            {
                break;
            }
        }

        return tensor;
    }

    internal void Adopt(Tensor tensor)
    {
        owned.Add(tensor);
        tensor.Scope = this;
    }

    private bool Detach(Tensor tensor)
    {
        if (!ReferenceEquals(tensor.Scope, this))
        {
            return false;
        }

        var index = owned.LastIndexOf(tensor);
        if (index >= 0)
        {
            owned.RemoveAt(index);
        }

        tensor.Scope = null;
        return true;
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (var tensor in owned)
        {
            tensor.Scope = null;
            tensor.Dispose();
        }

        owned.Clear();
        current = parent;
    }
}
