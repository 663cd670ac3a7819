using Bulwark.Torch.Interop;

namespace Bulwark.Torch.Optim;

/// <summary>
/// Adam on a tanh-reparametrised batch, fused into one pass over memory: the inner step of Carlini &amp; Wagner's ℓ2
/// attack. The variable w [N, ...] maps to x' = low + h·(tanh(w) + 1), which stays inside the box [low, low + 2h]
/// whatever w is; the step minimises ‖x' − x‖² + φ(x') per sample, given the gradient of φ at x'. With g its gradient
/// with respect to w,
/// <code>
/// g = (2·(x' − x) + ∂φ/∂x') · h·(1 − tanh²(w))
/// m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²,   w ← w − lrₜ · m / (√v + ε)
/// </code>
/// — TensorFlow's Adam, ε outside the square root and lrₜ = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) computed by the caller, as in the
/// original C&amp;W code. On the CPU one native loop does what the composite form does in about twenty operations
/// (GPU tensors take the composite form).
/// </summary>
public static class TanhSpaceAdam
{
    /// <summary>
    /// One step: updates <paramref name="w"/>, <paramref name="firstMoment"/> and <paramref name="secondMoment"/> in place
    /// and returns ‖x' − x‖² per sample [N] (the distance of the <paramref name="adversarial"/> the step was taken from).
    /// Every tensor has w's shape, dtype and device; w must not require gradients.
    /// </summary>
    /// <param name="w">The tanh-space variable, updated in place.</param>
    /// <param name="firstMoment">Adam's m, updated in place.</param>
    /// <param name="secondMoment">Adam's v, updated in place.</param>
    /// <param name="tanhW">tanh(w), as the caller computed it for <paramref name="adversarial"/>.</param>
    /// <param name="inputs">The original inputs x.</param>
    /// <param name="adversarial">x' = low + h·(tanh(w) + 1), clamped to the box.</param>
    /// <param name="objectiveGradient">∂φ/∂x' (e.g. c times the gradient of the C&amp;W margin term).</param>
    /// <param name="halfWidth">h: half the width of the box.</param>
    /// <param name="stepSize">The bias-corrected learning rate lrₜ of this step.</param>
    /// <param name="beta1">β₁.</param>
    /// <param name="beta2">β₂.</param>
    /// <param name="epsilon">ε, added to √v.</param>
    public static Tensor Step(Tensor w, Tensor firstMoment, Tensor secondMoment, Tensor tanhW, Tensor inputs, Tensor adversarial,
        Tensor objectiveGradient, double halfWidth, double stepSize, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(firstMoment);
        ArgumentNullException.ThrowIfNull(secondMoment);
        ArgumentNullException.ThrowIfNull(tanhW);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(adversarial);
        ArgumentNullException.ThrowIfNull(objectiveGradient);
        return Tensor.From(NativeMethods.BwOptim_tanhAdamStep(w.Handle, firstMoment.Handle, secondMoment.Handle, tanhW.Handle,
            inputs.Handle, adversarial.Handle, objectiveGradient.Handle, halfWidth, stepSize, beta1, beta2, epsilon, out var h), h);
    }
}
