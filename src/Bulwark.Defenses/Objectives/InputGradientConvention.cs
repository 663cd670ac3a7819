namespace Bulwark.Defenses.Objectives;

/// <summary>
/// The two scalings of the input-gradient penalty in use (METHODS §2c). With B the batch size and g_b = ∇_x CE_b the
/// input gradient of sample b's own loss, <c>Reference</c> with weight λ equals <c>PerSample</c> with weight λ/(2B)
/// (<see cref="InputGradientRegularizer.PerSampleWeight"/>).
/// </summary>
public enum InputGradientConvention
{
    /// <summary><c>R = mean_b ‖g_b‖²</c>: the weight does not depend on the batch size.</summary>
    PerSample,

    /// <summary>
    /// Ross &amp; Doshi-Velez's code: <c>R = ½·‖∇_x mean_b CE_b‖² = ½/B²·Σ_b ‖g_b‖²</c> (TensorFlow's <c>l2_loss</c> of the
    /// gradient of the batch-mean loss), so the weight carries a factor 1/B² that the paper's λ values assume.
    /// </summary>
    Reference,
}
