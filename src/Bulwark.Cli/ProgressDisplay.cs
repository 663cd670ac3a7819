using Bulwark.Defenses.Training;
using Spectre.Console;

namespace Bulwark.Cli;

/// <summary>A Spectre.Console progress bar per epoch, fed by the trainer's progress reports.</summary>
internal static class ProgressDisplay
{
    public static T Run<T>(IAnsiConsole console, Func<IProgress<TrainingProgress>, T> work)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return work(new EpochLinePrinter(console));
        }

        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                ProgressTask? task = null;
                var lastEpoch = -1;
                var reporter = new SynchronousProgress(p =>
                {
                    if (p.Epoch != lastEpoch)
                    {
                        task?.StopTask();
                        task = context.AddTask($"epoch {p.Epoch + 1}/{p.Epochs}", maxValue: p.Batches);
                        lastEpoch = p.Epoch;
                    }

                    task!.Value = p.Batch;
                    task.Description = $"epoch {p.Epoch + 1}/{p.Epochs} loss {p.RunningLoss:F4} acc {p.RunningAccuracy:P1}";
                });
                result = work(reporter);
            });
        return result;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>Without a terminal (CI, pipes): one line when each epoch ends.</summary>
    private sealed class EpochLinePrinter(IAnsiConsole console) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Batch == value.Batches)
            {
                console.WriteLine($"epoch {value.Epoch + 1}/{value.Epochs}: {value.Batches} batches, loss {value.RunningLoss:F4}, acc {value.RunningAccuracy:P2}");
            }
        }
    }
}
