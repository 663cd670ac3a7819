namespace Bulwark.Torch.Nn;

public sealed class ReLU : Module
{
    public override Tensor Forward(Tensor input) => input.Relu();
}

public sealed class LeakyReLU(double negativeSlope = 0.01) : Module
{
    public double NegativeSlope { get; } = negativeSlope;

    public override Tensor Forward(Tensor input) => input.LeakyRelu(NegativeSlope);

    protected override string Describe() => $"LeakyReLU(slope={NegativeSlope})";
}

/// <summary>Flattens every dimension from <paramref name="startDim"/> on (by default all but the batch).</summary>
public sealed class Flatten(long startDim = 1, long endDim = -1) : Module
{
    public override Tensor Forward(Tensor input) => input.Flatten(startDim, endDim);
}

/// <summary>Zeroes elements with probability p in training mode (scaling the rest by 1/(1−p)); identity in eval mode.</summary>
public sealed class Dropout(double p = 0.5) : Module
{
    public double P { get; } = p is >= 0 and <= 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), p, "must be in [0, 1]");

    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training);

    protected override string Describe() => $"Dropout(p={P})";
}
