using Bulwark.Torch;

namespace Bulwark.Evaluation.Tests;

/// <summary>Small hand-written tensors for the counting metrics.</summary>
internal static class Masks
{
    public static Tensor Of(params bool[] values) => Torch.Torch.FromArray(values, values.Length);

    public static Tensor Rows(bool[][] rows) =>
        Torch.Torch.FromArray(rows.SelectMany(r => r).ToArray(), rows.Length, rows.Length == 0 ? 0 : rows[0].Length);

    public static Tensor Values(params double[] values) => Torch.Torch.FromArray(values, values.Length);
}
