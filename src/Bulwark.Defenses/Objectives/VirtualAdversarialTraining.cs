using System.Globalization;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// Virtual adversarial training (Miyato et al., "Distributional smoothing with virtual adversarial training", ICLR 2016):
/// cross-entropy plus α times the local distributional smoothness term
/// <code>
/// R = mean_b KL( p(·|x_b) ‖ p(·|x_b + r_adv,b) ),   p(·|x) = softmax f(x), held constant
/// r_adv = ε · d / ‖d‖₂  after power iterations  d ← ∇_r KL( p(·|x) ‖ p(·|x + r) ) at r = ξ·d / ‖d‖₂,  d₀ ~ N(0, I)
/// </code>
/// per sample, in the model's input space. The power iteration approximates the dominant eigenvector of the Hessian of
/// the KL with respect to r at r = 0, the direction in which the prediction changes fastest; no label is used.
/// <para>
/// Defaults are the paper's MNIST setting: ε = 2.0 (ℓ2), ξ = 1e-6, one power iteration, α = 1. Directions are normalised
/// as the authors' code does, <c>d / (1e-12 + max|d|)</c> and then <c>/ sqrt(1e-6 + Σd²)</c> per sample, so ‖r_adv‖₂ is
/// ε to within about 5e-7 relative. As in the authors' code the perturbed point <c>x + r_adv</c> is not clipped to the
/// input box: the term measures smoothness of the model around x, not an attack on valid images. The random start comes
/// from this object's own generator, seeded once, so a seed fixes the sequence of directions over a run. In float32,
/// ξ = 1e-6 is near the resolution of the softmax, so the single power step gives a noisy direction, as in the
/// reference; float64 models get the clean one.
/// </para>
/// </summary>
public sealed class VirtualAdversarialTraining : Regularizer, IDisposable
{
    private readonly Generator generator;

    /// <param name="epsilon">ε, the ℓ2 norm of the virtual adversarial perturbation (positive, finite).</param>
    /// <param name="xi">ξ, the radius at which the power iteration probes the KL (positive, finite).</param>
    /// <param name="powerIterations">Power iterations (at least 1).</param>
    /// <param name="weight">α, the weight of the smoothness term.</param>
    /// <param name="seed">Seed of the random starting directions.</param>
    public VirtualAdversarialTraining(double epsilon = 2.0, double xi = 1e-6, int powerIterations = 1, double weight = 1, ulong seed = 0)
        : base(weight)
    {
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be positive and finite");
        }

        if (!(xi > 0) || double.IsInfinity(xi))
        {
            throw new ArgumentOutOfRangeException(nameof(xi), xi, "ξ must be positive and finite");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(powerIterations);
        Epsilon = epsilon;
        Xi = xi;
        PowerIterations = powerIterations;
        Seed = seed;
        generator = new Generator(seed);
    }

    /// <summary>ε, the ℓ2 norm of the perturbation.</summary>
    public double Epsilon { get; }

    /// <summary>ξ, the finite-difference radius of the power iteration.</summary>
    public double Xi { get; }

    /// <summary>Power iterations per step.</summary>
    public int PowerIterations { get; }

    /// <summary>Seed of the random starting directions.</summary>
    public ulong Seed { get; }

    /// <summary>"vat".</summary>
    public override string Name => "vat";

    /// <summary><c>mean_b KL(p(·|x_b) ‖ p(·|x_b + r_adv,b))</c> with p(·|x) from the clean logits, detached.</summary>
    public override Tensor Penalty(RegularizerBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = TensorScope.Begin();
        var x = batch.Inputs.Detach();
        var clean = batch.Logits.Detach().Softmax(1);
        var perturbation = Perturbation(batch.Model, x, batch.Logits);
        var perturbed = batch.Model.Forward(x.Add(perturbation)).LogSoftmax(1);
        return scope.Keep(BatchMeanKl(perturbed, clean));
    }

    /// <summary>
    /// r_adv for a batch: <paramref name="inputs"/> [B, …] and the model's logits on them [B, K] (only their values are
    /// used). The result has the inputs' shape, a per-sample ℓ2 norm of ε, and no graph. Draws from this object's
    /// generator.
    /// </summary>
    public Tensor Perturbation(Module model, Tensor inputs, Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(logits);
        using var scope = TensorScope.Begin();
        var x = inputs.Detach();
        var clean = logits.Detach().Softmax(1);
        var direction = Torch.Torch.Randn(x.Shape, generator, x.DType, x.Device);
        for (var i = 0; i < PowerIterations; i++)
        {
            using var iteration = TensorScope.Begin();
            var probe = Normalize(direction).Mul(Xi).RequiresGrad_();
            var divergence = BatchMeanKl(model.Forward(x.Add(probe)).LogSoftmax(1), clean);
            var gradient = iteration.Keep(Autograd.Grad(divergence, probe));
            direction.Dispose();
            direction = gradient;
        }

        return scope.Keep(Normalize(direction).Mul(Epsilon));
    }

    /// <summary>The authors' <c>get_normalized_vector</c>: scale by the largest entry first, so tiny gradients do not underflow.</summary>
    private static Tensor Normalize(Tensor direction)
    {
        using var scope = TensorScope.Begin();
        long[] perSample = [direction.Size(0), .. Enumerable.Repeat(1L, direction.Shape.Length - 1)];
        var (largest, _) = direction.Abs().Flatten(1).Max(1);
        var scaled = direction.Div(largest.Add(1e-12).View(perSample));
        var norm = scaled.Square().Flatten(1).Sum(1).Add(1e-6).Sqrt();
        return scope.Keep(scaled.Div(norm.View(perSample)));
    }

    /// <summary>KL(p ‖ q) summed over classes and averaged over the batch (<c>batchmean</c>), from log q and p.</summary>
    internal static Tensor BatchMeanKl(Tensor logQ, Tensor p)
    {
        using var sum = Functional.KlDiv(logQ, p, Reduction.Sum);
        return sum.Div(logQ.Size(0));
    }

    /// <summary>Frees the generator.</summary>
    public void Dispose() => generator.Dispose();

    /// <summary>The settings, e.g. <c>VirtualAdversarialTraining(ε=2, ξ=1E-06, iterations=1, α=1)</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"VirtualAdversarialTraining(ε={Epsilon}, ξ={Xi}, iterations={PowerIterations}, α={Weight}, seed={Seed})");
}
