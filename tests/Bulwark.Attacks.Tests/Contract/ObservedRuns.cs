namespace Bulwark.Attacks.Tests.Contract;

/// <summary>
/// The table's runs, each made once and shared by the invariant tests of one test class (which xUnit runs one at a time),
/// so that checking eight invariants costs one run per entry and target, not eight.
/// </summary>
public sealed class ObservedRuns : IDisposable
{
    private readonly Dictionary<(string, string), ObservedRun> runs = [];
    private readonly Lock gate = new();

    internal ObservedRun Get(string entry, string target)
    {
        lock (gate)
        {
            if (!runs.TryGetValue((entry, target), out var run))
            {
                run = ObservedRun.Observe(entry, target);
                runs[(entry, target)] = run;
            }

            return run;
        }
    }

    public void Dispose()
    {
        foreach (var run in runs.Values)
        {
            run.Dispose();
        }
    }
}
