namespace Bulwark.TestKit;

/// <summary>
/// Step and tolerances of a finite-difference gradient check. The defaults are those of PyTorch's
/// <c>torch.autograd.gradcheck</c> for float64: an element passes when
/// |analytical − numerical| ≤ <see cref="AbsoluteTolerance"/> + <see cref="RelativeTolerance"/> · |numerical|.
/// </summary>
public sealed record GradCheckOptions
{
    public static GradCheckOptions Default { get; } = new();

    /// <summary>Half-width h of the central difference (f(x + h) − f(x − h)) / 2h.</summary>
    public double Epsilon { get; init; } = 1e-6;

    public double AbsoluteTolerance { get; init; } = 1e-5;

    public double RelativeTolerance { get; init; } = 1e-3;

    /// <summary>Seed of the fixed random weights that reduce a tensor output (and a gradient) to one scalar.</summary>
    public ulong Seed { get; init; } = 20_240_611;

    /// <summary>How many mismatching elements a result lists before it stops counting them out.</summary>
    public int MaxReportedFailures { get; init; } = 8;
}
