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
