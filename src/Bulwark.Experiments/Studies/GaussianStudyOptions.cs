using System.Globalization;
using Bulwark.Defenses.Training;
using Bulwark.Evaluation;
using Bulwark.Torch.Models;

namespace Bulwark.Experiments;

/// <summary>
/// What a <see cref="GaussianStudy"/> trains and measures. The defaults are the moment-regularizer paper's LeNet grid
/// (its Figures 2–3): σ ∈ {0.125, 0.25, 0.325, 0.5, 1}, α ∈ {0.5, 1, 2}, augmentation with {2, 6, 11, 21}
/// noisy folds for σ ≤ 1, a tolerance of 0.5 percentage points, GNR with the paper's settings.
/// </summary>
public sealed record GaussianStudyOptions
{
    /// <summary>Epochs at most in quick (smoke) mode.</summary>
    public const int QuickEpochs = 3;

    /// <summary>Training images in quick mode: the first ones of the training set.</summary>
    public const int QuickTrainSamples = 6000;

    /// <summary>Test images in quick mode (accuracy and GNR are measured on these).</summary>
    public const int QuickTestSamples = 1000;

    /// <summary>The model every run trains (e.g. <see cref="MomentPaperProtocol.Spec"/>).</summary>
    public required ModelSpec Model { get; init; }

    /// <summary>
    /// The trainer settings every run shares, seed included (e.g. <see cref="MomentPaperProtocol.For"/>); each
    /// augmentation run adds its own <see cref="TrainerOptions.Augmentation"/>.
    /// </summary>
    public required TrainerOptions Protocol { get; init; }

    /// <summary>The dataset's catalog name, for the run configs and the reports.</summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>Training noise levels, each &gt; 0 (σ = 0 is the baseline, which always runs).</summary>
    public IReadOnlyList<double> Sigmas { get; init; } = [0.125, 0.25, 0.325, 0.5, 1];

    /// <summary>Regularizer weights α, each &gt; 0.</summary>
    public IReadOnlyList<double> Alphas { get; init; } = [0.5, 1, 2];

    /// <summary>
    /// Augmentation levels: noisy copies of the training set per epoch (<see cref="GaussianAugmentation.Folds"/>), each ≥ 1.
    /// The default is the paper's N ∈ {2, 6, 11, 21}, "the number of added noisy training examples"; the reference code's
    /// grid is folds {1, 5, 10, 20} with the clean copy counted in its "21-fold".
    /// </summary>
    public IReadOnlyList<int> AugmentationFolds { get; init; } = [2, 6, 11, 21];

    /// <summary>Augmentation runs only for σ up to this (the reference's filter: noise beyond it swamps [0, 1] images).</summary>
    public double MaxAugmentationSigma { get; init; } = 1;

    /// <summary>The fair comparison's tolerance, in percentage points of test accuracy.</summary>
    public double Tolerance { get; init; } = 0.5;

    /// <summary>GNR settings; null: the paper's, with the model's standardisation std (so the noise lands in standardised space as in the reference).</summary>
    public GaussianNoiseRobustnessOptions? Gnr { get; init; }

    /// <summary>Set when the study runs in quick (smoke) mode, so that the reports say so.</summary>
    public bool Quick { get; init; }

    /// <summary>The GNR settings used: <see cref="Gnr"/>, else the defaults with <see cref="ModelSpec.Std"/>.</summary>
    public GaussianNoiseRobustnessOptions ResolvedGnr => Gnr ?? new GaussianNoiseRobustnessOptions { Std = Model.Std };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"σ [{string.Join(", ", Sigmas)}], α [{string.Join(", ", Alphas)}], augmentation folds [{string.Join(", ", AugmentationFolds)}] for σ ≤ {MaxAugmentationSigma}, tolerance {Tolerance} pp{(Quick ? ", quick" : "")}");
}
