using Bulwark.Defenses.Training;

namespace Bulwark.Defenses.Tests;

/// <summary>Calls back on the training thread (<see cref="Progress{T}"/> would post to the thread pool, too late to stop an epoch).</summary>
internal sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
