namespace Bulwark.Experiments;

/// <summary>How a run of a <see cref="GaussianStudy"/> was trained.</summary>
public enum StudyMethod
{
    /// <summary>Plain cross-entropy on clean data (σ = 0): the bar the others are held to.</summary>
    Baseline,

    /// <summary>The analytical moment regularizer, <c>CE + α·CE(Ω(T(μ₂, s)))</c>, for one (σ, α).</summary>
    Regularizer,

    /// <summary>Cross-entropy on the clean training set plus some noisy copies of it (Gaussian noise σ) per epoch.</summary>
    Augmentation,
}
