using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// Cross-entropy plus the mean squared norm of each sample's input gradient ("double backprop"):
/// <c>CE + λ · mean_i ‖∂CE_i/∂x_i‖²</c>. This is the per-sample form of Ross &amp; Doshi-Velez's penalty; the
/// gradient is taken of the summed per-sample losses, which gives each sample its own ∂CE_i/∂x_i because samples
/// do not interact (no batch statistics in training mode).
/// </summary>
public sealed class InputGradientPenalty(double lambda = 0.01) : ITrainingObjective
{
    public double Lambda { get; } = lambda;

    public string Name => "input-gradient";

    public ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels)
    {
        using var x = inputs.Detach().RequiresGrad_();
        var logits = model.Forward(x);
        using var perSample = Functional.CrossEntropy(logits, labels, Reduction.None);
        using var total = perSample.Sum();
        using var gradient = Autograd.Grad(total, x, createGraph: true);
        using var ce = perSample.Mean();
        using var squared = gradient.Square();
        using var perSampleNorm = squared.Flatten(1).Sum(1);
        using var penalty = perSampleNorm.Mean();
        return new ObjectiveResult(ce.Add(penalty, Lambda), logits);
    }

    public override string ToString() => $"InputGradientPenalty(λ={Lambda})";
}
