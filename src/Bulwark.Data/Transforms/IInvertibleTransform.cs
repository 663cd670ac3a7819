using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>A transform that can be undone.</summary>
public interface IInvertibleTransform : ITransform
{
    /// <summary>The images <see cref="ITransform.Apply"/> maps to <paramref name="transformed"/>.</summary>
    Tensor Inverse(Tensor transformed);
}
