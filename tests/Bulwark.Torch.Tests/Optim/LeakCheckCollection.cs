namespace Bulwark.Torch.Tests.Optim;

/// <summary>
/// Tests that count live native tensors (a process-wide number) run in this collection, alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LeakCheckCollection
{
    public const string Name = "Optim and serialization leak checks";
}
