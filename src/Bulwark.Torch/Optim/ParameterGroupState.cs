namespace Bulwark.Torch.Optim;

/// <summary>One parameter group in an <see cref="OptimizerStateDict"/>: its settings and how many parameters it holds.</summary>
public sealed record ParameterGroupState(OptimizerOptions Options, int ParameterCount);
