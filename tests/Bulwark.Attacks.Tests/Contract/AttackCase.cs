namespace Bulwark.Attacks.Tests.Contract;

/// <summary>
/// One row of <see cref="AttackTable"/>: a configured attack under a short name. <see cref="BatchIndependent"/> says that
/// an input's result does not depend on the other inputs of its batch (no shared random stream, per-sample stopping), so
/// attacking a slice of a batch must give the slice of the batch's result.
/// </summary>
internal sealed record AttackCase(string Name, Func<Attack> Create, bool BatchIndependent)
{
    public override string ToString() => Name;
}
