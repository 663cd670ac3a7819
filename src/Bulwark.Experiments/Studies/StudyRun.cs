using System.Globalization;
using System.Text.Json.Serialization;

namespace Bulwark.Experiments;

/// <summary>
/// One point of a <see cref="GaussianStudy"/>'s grid: the method and its settings, and <see cref="Name"/>, the run's
/// folder inside the study directory.
/// </summary>
/// <param name="Name">Folder name, e.g. <c>regularizer-sigma0.25-alpha1</c>.</param>
/// <param name="Method">How the run is trained.</param>
/// <param name="Sigma">Training noise σ in the model's input space (0 for the baseline).</param>
/// <param name="Alpha">The regularizer's weight α (regularizer runs only).</param>
/// <param name="Folds">Noisy copies of the training set per epoch, besides the clean one (augmentation runs only).</param>
public sealed record StudyRun(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("method")] StudyMethod Method,
    [property: JsonPropertyName("sigma")] double Sigma,
    [property: JsonPropertyName("alpha")] double? Alpha = null,
    [property: JsonPropertyName("folds")] int? Folds = null)
{
    /// <summary>The baseline run.</summary>
    public static StudyRun Baseline { get; } = new("baseline", StudyMethod.Baseline, 0);

    /// <summary>The moment regularizer with noise <paramref name="sigma"/> and weight <paramref name="alpha"/>.</summary>
    public static StudyRun Regularizer(double sigma, double alpha) =>
        new($"regularizer-sigma{Format(sigma)}-alpha{Format(alpha)}", StudyMethod.Regularizer, sigma, Alpha: alpha);

    /// <summary>Noise augmentation with <paramref name="folds"/> noisy copies per epoch and noise <paramref name="sigma"/>.</summary>
    public static StudyRun Augmentation(int folds, double sigma) =>
        new($"augmentation-folds{folds}-sigma{Format(sigma)}", StudyMethod.Augmentation, sigma, Folds: folds);

    /// <summary>The line of the study's plots this run belongs to: <c>baseline</c>, <c>regularizer α=1</c>, <c>augmentation 6 folds</c>.</summary>
    [JsonIgnore]
    public string Series => Method switch
    {
        StudyMethod.Regularizer => $"regularizer α={Format(Alpha ?? double.NaN)}",
        StudyMethod.Augmentation => $"augmentation {Folds} folds",
        _ => "baseline",
    };

    /// <summary>The method's setting besides σ, as a table shows it: <c>α=1</c>, <c>6 folds</c>, or empty.</summary>
    [JsonIgnore]
    public string Setting => Method switch
    {
        StudyMethod.Regularizer => $"α={Format(Alpha ?? double.NaN)}",
        StudyMethod.Augmentation => $"{Folds} folds",
        _ => "",
    };

    public override string ToString() => Method == StudyMethod.Baseline ? "baseline" : $"{Series}, σ={Format(Sigma)}";

    /// <summary>A number as the names and labels write it: invariant, shortest round-trip form.</summary>
    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
