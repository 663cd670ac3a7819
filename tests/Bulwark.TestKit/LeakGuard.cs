using Bulwark.Torch;
using Xunit.Sdk;

namespace Bulwark.TestKit;

// Inside Bulwark.*, a bare `Torch` names the namespace Bulwark.Torch; this names the class.
using Torch = Bulwark.Torch.Torch;

/// <summary>
/// Asserts that code frees every native tensor it makes: <see cref="Torch.LiveTensors"/> must come back
/// to the count taken at <see cref="Begin"/>.
/// <code>
/// var guard = LeakGuard.Begin();
/// using (TensorScope.Begin()) { ... }
/// guard.AssertNoLeaks();
/// </code>
/// The count is process-wide, so tests that use a guard belong to a collection that does not run in
/// parallel with others. Begin lets the garbage collector finalize what earlier code dropped, so that a
/// late finalizer cannot lower the count inside the guarded region; the end is read without collecting,
/// so a tensor that was dropped instead of disposed counts as a leak.
/// </summary>
public sealed class LeakGuard
{
    private LeakGuard(long start) => Start = start;

    /// <summary>Live native tensors when the guard began.</summary>
    public long Start { get; }

    /// <summary>Live native tensors now, minus <see cref="Start"/>.</summary>
    public long Leaked => Torch.LiveTensors - Start;

    public static LeakGuard Begin()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return new LeakGuard(Torch.LiveTensors);
    }

    /// <summary>Runs <paramref name="action"/> and asserts that it leaves no tensor alive.</summary>
    public static void Check(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var guard = Begin();
        action();
        guard.AssertNoLeaks();
    }

    public void AssertNoLeaks()
    {
        var leaked = Leaked;
        if (leaked != 0)
        {
            throw new XunitException(
                $"{leaked} native tensor(s) {(leaked > 0 ? "leaked" : "freed more than were made")}: " +
                $"{Start} were alive at the start, {Start + leaked} at the end");
        }
    }
}
