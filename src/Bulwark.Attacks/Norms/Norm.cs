using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// A perturbation norm, measured per sample over all non-batch dimensions: ℓ∞, ℓ2, ℓ1, ℓ0 (non-zero values) and
/// pixel-ℓ0 (a pixel counts once however many of its channels change). Each knows how to measure, how to project
/// onto its ball, and its steepest-ascent direction — the three things attacks need, written once here.
/// </summary>
public abstract class Norm
{
    public static Norm Linf { get; } = new LinfNorm();

    public static Norm L2 { get; } = new L2Norm();

    public static Norm L1 { get; } = new L1Norm();

    public static Norm L0 { get; } = new L0Norm();

    public static Norm PixelL0 { get; } = new PixelL0Norm();

    /// <summary>The norm's command-line name: linf, l2, l1, l0, pixel-l0.</summary>
    public abstract string Name { get; }

    /// <summary>Norms by name (linf, l2, l1, l0, pixel-l0; "inf" and "2" work too).</summary>
    public static Norm Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "linf" or "inf" or "l-inf" => Linf,
        "l2" or "2" => L2,
        "l1" or "1" => L1,
        "l0" or "0" => L0,
        "pixel-l0" or "pixel_l0" or "pixell0" => PixelL0,
        _ => throw new ArgumentException($"unknown norm '{name}'; known: linf, l2, l1, l0, pixel-l0", nameof(name)),
    };

    /// <summary>Per-sample norms [N] of a perturbation [N, ...].</summary>
    public abstract Tensor Measure(Tensor delta);

    /// <summary>The closest point to <paramref name="delta"/> inside the ball of radius ε (per sample).</summary>
    public virtual Tensor Project(Tensor delta, double epsilon)
    {
        using var eps = Torch.Torch.Full([delta.Size(0)], epsilon, delta.DType, delta.Device);
        return Project(delta, eps);
    }

    /// <summary>Projection onto balls with per-sample radii <paramref name="epsilon"/> [N].</summary>
    public abstract Tensor Project(Tensor delta, Tensor epsilon);

    /// <summary>
    /// The unit-norm direction d maximising ⟨g, d⟩ (the steepest ascent for this norm): sign(g) for ℓ∞, g/‖g‖ for ℓ2,
    /// the largest-magnitude coordinate for ℓ1. A zero gradient gives a zero direction.
    /// </summary>
    public abstract Tensor SteepestAscent(Tensor gradient);

    public override string ToString() => Name;

    /// <summary>Reshapes per-sample values [N] so that they broadcast against a tensor like <paramref name="like"/>.</summary>
    internal static Tensor PerSample(Tensor values, Tensor like)
    {
        var shape = new long[like.Dim];
        Array.Fill(shape, 1L);
        shape[0] = like.Size(0);
        return values.View(shape);
    }

    private sealed class LinfNorm : Norm
    {
        public override string Name => "linf";

        public override Tensor Measure(Tensor delta) => delta.NormPerSample(double.PositiveInfinity);

        // one scalar clamp: the hot path of every ℓ∞ PGD step
        public override Tensor Project(Tensor delta, double epsilon) => delta.Clamp(-epsilon, epsilon);

        public override Tensor Project(Tensor delta, Tensor epsilon)
        {
            using var eps = PerSample(epsilon, delta);
            using var negative = eps.Neg();
            return delta.Clamp(negative, eps);
        }

        public override Tensor SteepestAscent(Tensor gradient) => gradient.Sign();
    }

    private sealed class L2Norm : Norm
    {
        public override string Name => "l2";

        public override Tensor Measure(Tensor delta) => delta.NormPerSample(2);

        public override Tensor Project(Tensor delta, Tensor epsilon)
        {
            using var scope = TensorScope.Begin();
            var norms = Measure(delta).Clamp(min: 1e-12);
            var factor = epsilon.Div(norms).Clamp(max: 1.0);
            return scope.Keep(delta.Mul(PerSample(factor, delta)));
        }

        public override Tensor SteepestAscent(Tensor gradient)
        {
            using var scope = TensorScope.Begin();
            // only an exactly zero gradient keeps a zero direction: a floor such as 1e-12 would shorten the tiny but
            // valid gradients of a saturated softmax and weaken every ℓ2 step on a confident model
            var norms = Measure(gradient);
            var divisors = norms.MaskedFill(norms.Eq(0), 1);
            return scope.Keep(gradient.Div(PerSample(divisors, gradient)));
        }
    }

    private sealed class L1Norm : Norm
    {
        public override string Name => "l1";

        public override Tensor Measure(Tensor delta) => delta.NormPerSample(1);

        /// <summary>Euclidean projection onto the ℓ1 ball by soft-thresholding at the sort-based threshold (Duchi et al. 2008).</summary>
        public override Tensor Project(Tensor delta, Tensor epsilon)
        {
            using var scope = TensorScope.Begin();
            var flat = delta.Flatten(1);
            var magnitude = flat.Abs();
            var inside = magnitude.Sum(1).Le(epsilon);
            var (sorted, _) = magnitude.Sort(1, descending: true);
            var cumulative = sorted.Cumsum(1);
            var n = flat.Size(1);
            var ranks = Torch.Torch.Arange(1, n + 1, 1, delta.DType, delta.Device).Unsqueeze(0);
            // ρ = the largest k with sorted_k > (cumsum_k − ε)/k; θ = (cumsum_ρ − ε)/ρ
            var eps = epsilon.Unsqueeze(1);
            var condition = sorted.Mul(ranks).Gt(cumulative.Sub(eps));
            var rho = condition.To(delta.DType).Mul(ranks).Argmax(1, keepDim: true);
            var theta = cumulative.Gather(1, rho).Sub(eps).Div(rho.To(delta.DType).Add(1)).Clamp(min: 0);
            var shrunk = magnitude.Sub(theta).Clamp(min: 0).Mul(flat.Sign());
            var projected = Torch.Torch.Where(inside.Unsqueeze(1), flat, shrunk);
            return scope.Keep(projected.View(delta.Shape));
        }

        public override Tensor SteepestAscent(Tensor gradient)
        {
            using var scope = TensorScope.Begin();
            var flat = gradient.Flatten(1);
            var index = flat.Abs().Argmax(1, keepDim: true);
            var signs = flat.Gather(1, index).Sign();
            var direction = Torch.Torch.ZerosLike(flat).Scatter(1, index, signs);
            return scope.Keep(direction.View(gradient.Shape));
        }
    }

    private sealed class L0Norm : Norm
    {
        public override string Name => "l0";

        public override Tensor Measure(Tensor delta)
        {
            using var nonzero = delta.Flatten(1).Ne(0);
            return nonzero.Sum(1).To(delta.DType);
        }

        /// <summary>Keeps the ⌊ε⌋ largest-magnitude values of each sample (the ℓ0 "projection").</summary>
        public override Tensor Project(Tensor delta, Tensor epsilon) => KeepLargest(delta, delta.Flatten(1).Abs(), epsilon, delta.Flatten(1));

        public override Tensor SteepestAscent(Tensor gradient) => L1.SteepestAscent(gradient);
    }

    private sealed class PixelL0Norm : Norm
    {
        public override string Name => "pixel-l0";

        public override Tensor Measure(Tensor delta)
        {
            using var scope = TensorScope.Begin();
            var changed = delta.Ne(0).Any(1);
            return scope.Keep(changed.Flatten(1).Sum(1).To(delta.DType));
        }

        /// <summary>Keeps the ⌊ε⌋ pixels whose largest channel change is biggest.</summary>
        public override Tensor Project(Tensor delta, Tensor epsilon)
        {
            using var scope = TensorScope.Begin();
            var (pixelMagnitude, _) = delta.Abs().Max(1);
            var kept = KeepLargest(pixelMagnitude.Unsqueeze(1), pixelMagnitude.Flatten(1), epsilon, pixelMagnitude.Flatten(1));
            var mask = kept.Ne(0).Expand(delta.Shape);
            return scope.Keep(delta.Mul(mask.To(delta.DType)));
        }

        public override Tensor SteepestAscent(Tensor gradient) => L1.SteepestAscent(gradient);
    }

    private static Tensor KeepLargest(Tensor like, Tensor magnitudes, Tensor counts, Tensor values)
    {
        using var scope = TensorScope.Begin();
        var (_, order) = magnitudes.Sort(1, descending: true);
        var rank = Torch.Torch.ZerosLike(order).Scatter(1, order, Torch.Torch.Arange(0, magnitudes.Size(1), 1, DType.Int64, magnitudes.Device).Unsqueeze(0).Expand(order.Shape));
        var keep = rank.To(magnitudes.DType).Lt(counts.Floor().Unsqueeze(1));
        return scope.Keep(values.Mul(keep.To(values.DType)).View(like.Shape));
    }
}
