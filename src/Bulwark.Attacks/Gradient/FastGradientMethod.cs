using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// FGSM / FGM (Goodfellow et al. 2015): one step of size ε along the steepest-ascent direction of the cross-entropy
/// for the chosen norm — sign(∇) for ℓ∞ (FGSM), ∇/‖∇‖ for ℓ2, the largest-gradient coordinate for ℓ1. Targeted
/// criteria descend the cross-entropy of the target. Fixed-ε; inputs [N, ...] in the model's box.
/// <code>var result = new FastGradientMethod(Norm.Linf).Run(model, x, new Misclassification(y), [0.1, 0.2, 0.3]);</code>
/// </summary>
public sealed class FastGradientMethod(Norm? norm = null) : FixedEpsilonAttack
{
    public override Norm Norm { get; } = norm ?? Norm.Linf;

    public override string Name => "fgsm";

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion, double epsilon)
    {
        using var scope = TensorScope.Begin();
        var (_, gradient) = context.CrossEntropyGradient(inputs, criterion);
        var step = Norm.SteepestAscent(gradient).Mul(epsilon);
        return scope.Keep(inputs.Add(step).Clamp(context.Model.Bounds.Low, context.Model.Bounds.High));
    }
}
