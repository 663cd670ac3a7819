namespace Bulwark.Defenses.Objectives;

/// <summary>
/// How <see cref="MarginRegularizer"/> measures the margin sensitivity <c>‖∇f_y(x) − ∇f_l(x)‖</c> of a sample: the norm of
/// the difference between the input gradients of the true class's logit and of the class whose gradient differs most.
/// </summary>
public enum MarginSensitivity
{
    /// <summary>
    /// The squared ℓ2 norm <c>Σ(∇f_y − ∇f_l)²</c>, with l chosen over all classes: what the reference code
    /// (aam-at/margin_maximization, <c>--margin_order 2</c>) trains with. It is the default ("margin-l2", C = 0.1).
    /// </summary>
    SquaredL2,

    /// <summary>
    /// The ℓ1 norm <c>Σ|∇f_y − ∇f_l|</c>, the dual of ℓ∞, so it maximises the ℓ∞ distance to the boundary ("margin-l1",
    /// C = 0.01; the paper found training unstable for C ≥ 0.1).
    /// </summary>
    L1,

    /// <summary>
    /// The plain ℓ2 norm <c>‖∇f_y − ∇f_l‖₂</c> with l chosen over the classes j ≠ y: eq. 3.18 of the paper as written.
    /// The reference code squares it instead (<see cref="SquaredL2"/>); at equal C the two differ in scale and in the
    /// gradient's weighting of large sensitivities.
    /// </summary>
    L2,
}
