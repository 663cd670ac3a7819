using Bulwark.Evaluation;

namespace Bulwark.Experiments.Tests;

/// <summary>Hand-made run results, for tests of what a study computes from them.</summary>
internal static class StudyResults
{
    public static StudyRunResult Of(StudyRun run, double accuracy, double gnr) => new()
    {
        Run = run,
        TestAccuracy = accuracy,
        Robustness = new GaussianNoiseRobustness(gnr, [0.0, 0.5], [1.0, gnr], InputRange: 1, Seed: 0, Total: 200),
        Epochs = 3,
        BestEpoch = 2,
        TrainSeconds = 1.5,
        RunDirectory = run.Name,
    };
}
