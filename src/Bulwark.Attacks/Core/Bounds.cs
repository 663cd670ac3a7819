namespace Bulwark.Attacks;

/// <summary>The box the model's inputs live in, [0, 1] for images; every attack returns points inside it.</summary>
public readonly record struct Bounds(double Low, double High)
{
    public static Bounds Unit { get; } = new(0, 1);

    public double Width => High - Low;

    public override string ToString() => $"[{Low}, {High}]";
}
