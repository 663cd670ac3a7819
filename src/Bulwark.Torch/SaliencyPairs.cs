using Bulwark.Torch.Interop;

namespace Bulwark.Torch;

/// <summary>
/// The pair search of the Jacobian saliency map attack (Papernot et al. 2016, Algorithm 3) as one native loop on the
/// CPU. For each row, with s = +1 when features increase and −1 when they decrease, A = s·(α_p + α_q) and
/// B = s·(β_p + β_q), it finds the pair p &lt; q of features in the domain with A &gt; 0 and B &lt; 0 that maximises
/// −A·B, ties going to the first pair in row-major order. The composite form builds several [n, n] temporaries per
/// row (n = 784 on MNIST: 614,656 values each); this loop keeps none.
/// </summary>
public static class SaliencyPairs
{
    /// <summary>
    /// The best pair per row, int64 [rows, 2] as (p, q) with p &lt; q, and whether any pair qualified, bool [rows]
    /// ((0, 0) where none did).
    /// </summary>
    /// <param name="alpha">α [rows, n]: per feature, the derivative of the target's logit.</param>
    /// <param name="beta">β [rows, n]: per feature, the derivative of the other logits' sum; α's dtype.</param>
    /// <param name="domain">bool [rows, n]: the features that may still be chosen.</param>
    /// <param name="increase">Whether the attack increases features (θ &gt; 0) or decreases them.</param>
    /// <exception cref="TorchException">Shapes or dtypes that do not match, or tensors not on the CPU.</exception>
    public static (Tensor Pairs, Tensor Found) Best(Tensor alpha, Tensor beta, Tensor domain, bool increase)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(beta);
        ArgumentNullException.ThrowIfNull(domain);
        Native.Check(NativeMethods.BwAttack_saliencyPairs(alpha.Handle, beta.Handle, domain.Handle, increase ? 1 : 0,
            out var pairs, out var found));
        return (new Tensor(pairs), new Tensor(found));
    }
}
