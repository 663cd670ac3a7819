using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Contract;

/// <summary>
/// One untargeted run of a table entry on a fresh test target, with what can only be seen around the call: the caller's
/// tensors before it, and the model's mode, gradients and state after it. The network starts in training mode; once the
/// facts are recorded it is put in evaluation mode, so that tests can predict again deterministically.
/// </summary>
internal sealed class ObservedRun : IDisposable
{
    private ObservedRun(AttackCase entry, TestTarget target, Attack attack, ulong seed)
    {
        Entry = entry;
        Target = target;
        Attack = attack;
        Epsilons = AttackTable.Epsilons(attack.Norm);
        Inputs = target.Inputs.Clone();
        Labels = target.Labels.Clone();
        InputsBefore = Inputs.ToBytes();
        LabelsBefore = Labels.ToBytes();
        var network = target.Model.Network;
        var stateBefore = Snapshot(network);
        network.Train();

        Result = attack.Run(target.Model, Inputs, new Misclassification(Labels), Epsilons, seed);

        ModulesInEvaluationMode = network.NamedModules().Where(m => !m.Value.Training).Select(m => m.Key).ToList();
        ParametersWithGradient = network.NamedParameters().Where(p => HasGradient(p.Value)).Select(p => p.Key).ToList();
        ParametersLeftFrozen = network.NamedParameters().Where(p => !p.Value.RequiresGrad).Select(p => p.Key).ToList();
        var stateAfter = Snapshot(network);
        ChangedState = stateBefore.Keys.Where(k => !stateBefore[k].SequenceEqual(stateAfter[k])).ToList();
        network.Eval();
    }

    public AttackCase Entry { get; }

    public TestTarget Target { get; }

    public Attack Attack { get; }

    public double[] Epsilons { get; }

    /// <summary>The inputs the attack was given (the caller's tensor).</summary>
    public Tensor Inputs { get; }

    /// <summary>The labels the criterion was given (the caller's tensor).</summary>
    public Tensor Labels { get; }

    public byte[] InputsBefore { get; }

    public byte[] LabelsBefore { get; }

    public AttackResult Result { get; }

    /// <summary>Modules (dotted names) found in evaluation mode right after the run, though the network was in training mode.</summary>
    public IReadOnlyList<string> ModulesInEvaluationMode { get; }

    public IReadOnlyList<string> ParametersWithGradient { get; }

    /// <summary>Parameters that no longer require gradients after the run (the attack freezes them while it runs only).</summary>
    public IReadOnlyList<string> ParametersLeftFrozen { get; }

    /// <summary>Parameters and buffers whose bytes differ after the run.</summary>
    public IReadOnlyList<string> ChangedState { get; }

    public static ObservedRun Observe(string entry, string target, ulong seed = 7)
    {
        var row = AttackTable.Get(entry);
        return new ObservedRun(row, TestTarget.Create(target), row.Create(), seed);
    }

    private static bool HasGradient(Tensor parameter)
    {
        using var gradient = parameter.Grad;
        return gradient is not null;
    }

    private static Dictionary<string, byte[]> Snapshot(Torch.Nn.Module network) =>
        network.StateDict().ToDictionary(p => p.Key, p => p.Value.ToBytes());

    public override string ToString() => $"{Entry} on {Target}";

    public void Dispose()
    {
        Result.Dispose();
        Inputs.Dispose();
        Labels.Dispose();
        Target.Dispose();
    }
}
