namespace Bulwark.Defenses.Training;

/// <summary>
/// N-fold Gaussian noise augmentation, the moment regularizer's baseline (METHODS §1): the training set is used
/// N + 1 times per epoch, once clean and once per fold with noise N(0, σ²) added in the model's input space.
/// </summary>
public sealed record GaussianAugmentation
{
    /// <summary>Noisy copies of the training set per epoch (the papers use 1, 2, 5, 6, 10, 11, 20, 21).</summary>
    public required int Folds { get; init; }

    /// <summary>Standard deviation of the noise, in the model's input space.</summary>
    public required double Sigma { get; init; }

    /// <summary>Clip noisy inputs to the data's box ([0, 1] for images); the reference does not.</summary>
    public bool Clip { get; init; }

    /// <summary>
    /// Reproduce the reference's quirk: one noise tensor per fold, shared by every image of that fold (its RNG is
    /// reseeded with seed + fold for every item). Off: independent noise per image and epoch, seeded.
    /// </summary>
    public bool SharedNoise { get; init; }

    public override string ToString() =>
        $"augment({Folds}×, σ={Sigma}{(Clip ? ", clipped" : "")}{(SharedNoise ? ", shared noise" : "")})";
}
