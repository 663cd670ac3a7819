namespace Bulwark.Defenses.Objectives;

/// <summary>
/// How <see cref="JacobianRegularizer"/> turns the squared Jacobian norms of a batch, <c>S = Σ_b ‖J_b‖²_F</c>, into its
/// penalty R. The two papers differ by more than a constant, so the form is part of the method, not of λ.
/// </summary>
public enum JacobianNorm
{
    /// <summary>
    /// Jakubovitz &amp; Giryes (eq. 6): <c>R = sqrt(S) = ‖J‖_F</c> of the whole batch Jacobian, not squared and not divided
    /// by the batch size.
    /// </summary>
    Frobenius,

    /// <summary>Hoffman, Roberts &amp; Yaida: <c>R = ½·S/B = ½·mean_b ‖J_b‖²_F</c>, squared.</summary>
    HalfMeanSquared,
}
