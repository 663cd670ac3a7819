namespace Bulwark.Defenses.Objectives;

/// <summary>Which layer's Jacobian with respect to the input <see cref="JacobianRegularizer"/> penalises.</summary>
public enum JacobianLayer
{
    /// <summary>The model's output, the logits z = f(x) (both papers' choice).</summary>
    Logits,

    /// <summary>
    /// The input of the model's last <c>Linear</c> layer, the penultimate activations (Jakubovitz &amp; Giryes, Appendix B),
    /// usually with that last layer fixed to orthonormal rows (<see cref="JacobianRegularizer.FixLastLayerOrthonormal"/>).
    /// </summary>
    Penultimate,
}
