namespace Bulwark.Torch.Nn;

/// <summary>
/// Per-channel standardisation <c>(x − mean) / std</c> as the model's first layer, so that the model consumes inputs
/// in their natural box (e.g. [0, 1]) and attacks, gradients and norms all live in input space. Mean and std are
/// buffers (saved with the weights), not parameters.
/// </summary>
public sealed class Standardize : Module
{
    public Standardize(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new ArgumentException($"mean ({mean.Count} values) and std ({std.Count} values) must have one value per channel");
        }

        if (std.Any(s => !(s > 0)))
        {
            throw new ArgumentException($"std values must be positive, got [{string.Join(", ", std)}]", nameof(std));
        }

        MeanValues = [.. mean];
        StdValues = [.. std];
        Mean = RegisterBuffer("mean", Torch.FromArray(mean.Select(m => (float)m).ToArray(), 1, mean.Count, 1, 1));
        Std = RegisterBuffer("std", Torch.FromArray(std.Select(s => (float)s).ToArray(), 1, std.Count, 1, 1));
    }

    public IReadOnlyList<double> MeanValues { get; }

    public IReadOnlyList<double> StdValues { get; }

    public Tensor Mean { get; }

    public Tensor Std { get; }

    public override Tensor Forward(Tensor input)
    {
        using var centred = input.Sub(Mean);
        return centred.Div(Std);
    }

    protected override string Describe() =>
        $"Standardize(mean=[{string.Join(", ", MeanValues)}], std=[{string.Join(", ", StdValues)}])";
}
