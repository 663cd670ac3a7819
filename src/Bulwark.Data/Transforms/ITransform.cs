using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// A function of a batch of images <c>[N, C, H, W]</c> (or one image <c>[C, H, W]</c>) that returns a new tensor
/// and leaves its input alone. It is built from differentiable tensor operations, so a model can include it
/// and attacks can differentiate through it.
/// </summary>
public interface ITransform
{
    /// <summary>The transformed images, on the input's device and of its element type.</summary>
    Tensor Apply(Tensor images);
}

/// <summary>A transform that can be undone.</summary>
public interface IInvertibleTransform : ITransform
{
    /// <summary>The images <see cref="ITransform.Apply"/> maps to <paramref name="transformed"/>.</summary>
    Tensor Inverse(Tensor transformed);
}
