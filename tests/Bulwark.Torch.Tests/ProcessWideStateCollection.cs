namespace Bulwark.Torch.Tests;

/// <summary>
/// Tests that read or change process-wide libtorch state (the live-tensor count, resident memory, the
/// default generator) run in this collection, which xunit runs alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideStateCollection
{
    public const string Name = "process-wide libtorch state";
}
