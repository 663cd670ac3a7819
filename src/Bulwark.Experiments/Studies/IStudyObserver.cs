using Bulwark.Defenses.Training;

namespace Bulwark.Experiments;

/// <summary>What a front end sees of a running study: each run starting, its training, each result.</summary>
public interface IStudyObserver
{
    /// <summary>Run <paramref name="index"/> of <paramref name="count"/> is about to train; <paramref name="resuming"/> when it continues from a checkpoint.</summary>
    void RunStarting(StudyRun run, int index, int count, bool resuming);

    /// <summary>
    /// Wraps one run's training, e.g. in a progress display: call <paramref name="fit"/> once with the progress sink to
    /// use (or null) and return what it returns.
    /// </summary>
    TrainingResult Train(StudyRun run, Func<IProgress<TrainingProgress>?, TrainingResult> fit);

    /// <summary>A run has its result; <paramref name="reused"/> when it was found from an earlier invocation, not trained now.</summary>
    void RunFinished(StudyRunResult result, int index, int count, bool reused);
}
