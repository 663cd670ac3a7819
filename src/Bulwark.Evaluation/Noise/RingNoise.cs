using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// The Gaussian-regularizer paper's "ring" noise (network_moments <c>utils.rand.ring</c>, METHODS §1): a standard
/// Gaussian direction per sample rescaled so that ‖noise‖₂ = s·√n exactly, with s ~ U(σ − tol, σ + tol) drawn per
/// sample. Draw order and arithmetic follow the reference — z ~ N(0, I) for the whole batch first, then one uniform
/// per sample — so that a seed gives the reference's noise.
/// </summary>
internal static class RingNoise
{
    /// <summary>Noise shaped like <paramref name="like"/> [B, ...] (same dtype and device).</summary>
    public static Tensor Sample(Tensor like, double sigma, double tolerance, Generator generator)
    {
        using var scope = TensorScope.Begin();
        var batch = like.Size(0);
        var z = Torch.Torch.Randn(like.Shape, generator, like.DType, like.Device);
        var flat = z.View(batch, -1);
        var norms = flat.Norm(2, 1, keepDim: true);
        var scale = tolerance != 0
            ? Torch.Torch.RandLike(norms, generator).Mul(2 * tolerance).Add(sigma - tolerance)
            : Torch.Torch.FullLike(norms, sigma);
        var noise = flat.Mul(scale.Mul(Math.Sqrt(flat.Size(1))).Div(norms));
        return scope.Keep(noise.View(like.Shape));
    }
}
