using System.Diagnostics;
using Bulwark.Data;
using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Models;
using Bulwark.Torch.Optim;

namespace Bulwark.Defenses.Benchmarks;

/// <summary>Settings of <see cref="TrainStepBenchmark"/>; bench/pytorch/train_step.py is its PyTorch twin.</summary>
public sealed record TrainStepBenchmarkOptions
{
    public string Model { get; init; } = "lenet5";

    /// <summary>Dropout where the architecture has one (as <see cref="ModelSpec.Dropout"/>); 0 = none.</summary>
    public double Dropout { get; init; }

    public int BatchSize { get; init; } = 128;

    public string Objective { get; init; } = "ce";

    /// <summary>
    /// The objective's knobs (null = every default). For <c>augment</c>, <see cref="ObjectiveSettings.Folds"/> N: a step
    /// forwards the clean batch and its N noisy copies as one batch of B·(N + 1), see <see cref="NoiseAugmentationObjective"/>.
    /// </summary>
    public ObjectiveSettings Settings { get; init; } = new();

    public int Steps { get; init; } = 50;

    public int Warmup { get; init; } = 10;

    public ulong Seed { get; init; }
}

public sealed record TrainStepBenchmarkResult(double MillisecondsPerStep, int Threads, double FinalLoss);

/// <summary>
/// Times one training step — zero-grad + objective + backward + Adam step — on batches drawn from a shuffled
/// in-memory dataset, and reports the median after warm-up. Batch assembly is outside the timed region, as in the
/// PyTorch script. For the <c>augment</c> objective a step is the clean batch of B images plus its N noisy copies,
/// forwarded as one batch of B·(N + 1), cross-entropy averaged over all of it, backward and Adam step: its time shows
/// the (N + 1)× cost per epoch of noise augmentation (<see cref="NoiseAugmentationObjective"/>).
/// </summary>
public static class TrainStepBenchmark
{
    public static TrainStepBenchmarkResult Run(TrainStepBenchmarkOptions options, TensorDataset data)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        Torch.Torch.ManualSeed(options.Seed);
        var spec = new ModelSpec
        {
            Architecture = options.Model,
            Channels = (int)data.ImageShape[0],
            ImageSize = (int)data.ImageShape[1],
            Classes = data.ClassCount,
            Dropout = options.Dropout,
        };
        using var model = ModelZoo.Create(spec);
        model.Train();
        using var optimizer = new Adam(model.Parameters(), new AdamOptions { LearningRate = 1e-3 });
        var objective = Objectives.Objectives.Create(options.Objective, options.Settings);
        using var generator = new Generator(options.Seed);
        using var order = Torch.Torch.Randperm(data.Count, generator);
        var times = new List<double>();
        double finalLoss = double.NaN;
        for (var step = 0; step < options.Warmup + options.Steps; step++)
        {
            using var scope = TensorScope.Begin();
            var start = (long)step * options.BatchSize % (data.Count - options.BatchSize);
            using var batch = data.Batch(order.Narrow(0, start, options.BatchSize));
            var clock = Stopwatch.StartNew();
            optimizer.ZeroGrad();
            var result = objective.Compute(model, batch.Images, batch.Labels);
            result.Loss.Backward();
            optimizer.Step();
            var elapsed = clock.Elapsed.TotalMilliseconds;
            if (step >= options.Warmup)
            {
                times.Add(elapsed);
            }

            if (step == options.Warmup + options.Steps - 1)
            {
                finalLoss = result.Loss.ToDouble();
            }
        }

        times.Sort();
        var median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
        return new TrainStepBenchmarkResult(median, Torch.Torch.NumThreads, finalLoss);
    }
}
