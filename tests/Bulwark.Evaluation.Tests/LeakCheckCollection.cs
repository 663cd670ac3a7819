namespace Bulwark.Evaluation.Tests;

/// <summary>Tests that count live tensors run alone: other tests create tensors concurrently.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LeakCheckCollection
{
    public const string Name = "Leak checks";
}
