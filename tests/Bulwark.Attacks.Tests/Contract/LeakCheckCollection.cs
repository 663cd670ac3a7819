namespace Bulwark.Attacks.Tests.Contract;

/// <summary>Tests that count live tensors run alone: the count is process-wide and other tests create tensors concurrently.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LeakCheckCollection
{
    public const string Name = "Leak checks";
}
