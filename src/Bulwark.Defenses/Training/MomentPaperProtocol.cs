using Bulwark.Data;
using Bulwark.Torch.Models;

namespace Bulwark.Defenses.Training;

/// <summary>
/// The training protocol of the analytical moment-regularizer paper (Alfadly, Bibi, Ghanem; network_moments
/// <c>train.py::Trainer.train</c> and <c>main.py::Trainer.config</c>, METHODS §1) for its two models:
/// <list type="bullet">
/// <item><c>gnm-lenet</c>: Adam lr 1e-4, weight decay 0, batch 1000 with the last incomplete batch dropped,
/// ReduceLROnPlateau ×0.9 after 3 bad epochs, early stopping after 10, at most 100 epochs;</item>
/// <item><c>gnm-alexnet</c>: SGD lr 0.1, momentum 0.9, Nesterov, weight decay 5e-4, batch 128, plateau ×0.5 after 5,
/// early stopping after 20, at most 100 epochs.</item>
/// </list>
/// Both hold out 10 % of the training set for validation (seeded here; the reference's split is not), monitor the
/// total validation loss, keep the best-validation weights and evaluate in batches of 5000.
/// <code>var trainer = new Trainer(MomentPaperProtocol.For("gnm-lenet") with { Seed = 1 }, objective);</code>
/// </summary>
public static class MomentPaperProtocol
{
    /// <summary>The models the paper trains, which have a preset.</summary>
    public static IReadOnlyList<string> Models { get; } = ["gnm-lenet", "gnm-alexnet"];

    /// <summary>The paper's trainer settings for <paramref name="model"/> (seed 0, no augmentation).</summary>
    /// <exception cref="ArgumentException"><paramref name="model"/> is not one of <see cref="Models"/>.</exception>
    public static TrainerOptions For(string model)
    {
        var shared = new TrainerOptions
        {
            Epochs = 100,
            EvaluationBatchSize = 5000,
            ValidationSplit = 0.1,
            DropLast = true,
        };
        return model switch
        {
            "gnm-lenet" => shared with
            {
                Optimizer = "adam",
                LearningRate = 1e-4,
                WeightDecay = 0,
                BatchSize = 1000,
                PlateauFactor = 0.9,
                PlateauPatience = 3,
                EarlyStoppingPatience = 10,
            },
            "gnm-alexnet" => shared with
            {
                Optimizer = "sgd",
                LearningRate = 0.1,
                Momentum = 0.9,
                Nesterov = true,
                WeightDecay = 5e-4,
                BatchSize = 128,
                PlateauFactor = 0.5,
                PlateauPatience = 5,
                EarlyStoppingPatience = 20,
            },
            _ => throw new ArgumentException(
                $"the moment-regularizer paper has no protocol for '{model}'; known: {string.Join(", ", Models)}", nameof(model)),
        };
    }

    /// <summary>
    /// The input standardisation the paper's configs use: x − 0.5 (mean 0.5, std 1 per channel) for MNIST and
    /// Fashion-MNIST, so inputs lie in [−0.5, 0.5] and σ needs no rescaling; the dataset's own mean and std otherwise.
    /// </summary>
    /// <exception cref="ArgumentException">The dataset is unknown, so its statistics are too.</exception>
    public static (double[] Mean, double[] Std) Standardization(string dataset)
    {
        var statistics = DatasetCatalog.Statistics(dataset)
            ?? throw new ArgumentException($"unknown dataset '{dataset}'; known: {string.Join(", ", DatasetCatalog.Names)}", nameof(dataset));
        return dataset.Contains("mnist", StringComparison.OrdinalIgnoreCase)
            ? ([.. statistics.Mean.Select(_ => 0.5)], [.. statistics.Mean.Select(_ => 1.0)])
            : ([.. statistics.Mean], [.. statistics.Std]);
    }

    /// <summary>The spec of <paramref name="model"/> for <paramref name="data"/>, with the paper's standardisation of <paramref name="dataset"/> built in.</summary>
    public static ModelSpec Spec(string model, string dataset, TensorDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        _ = For(model);
        var (mean, std) = Standardization(dataset);
        return new ModelSpec
        {
            Architecture = model,
            Channels = (int)data.ImageShape[0],
            ImageSize = (int)data.ImageShape[1],
            Classes = data.ClassCount,
            Mean = mean,
            Std = std,
        };
    }
}
