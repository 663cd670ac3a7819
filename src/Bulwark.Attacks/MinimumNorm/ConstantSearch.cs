using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// Carlini &amp; Wagner's per-sample binary search over the constant c that trades distance against the adversarial
/// loss (section V of their paper; EAD reuses it unchanged). After each search step: where an adversarial was found, c
/// becomes the new upper bound and the next c the midpoint; where none was, c becomes the lower bound and the next c is
/// the midpoint if an upper bound is known, else ten times larger.
/// </summary>
internal sealed class ConstantSearch
{
    // the references' "no upper bound yet" sentinel
    private const double NoUpperBound = 1e10;

    private readonly double[] lower;
    private readonly double[] upper;
    private readonly double[] current;

    public ConstantSearch(int count, double initialConstant)
    {
        lower = new double[count];
        upper = Enumerable.Repeat(NoUpperBound, count).ToArray();
        current = Enumerable.Repeat(initialConstant, count).ToArray();
    }

    /// <summary>
    /// The constants for search step <paramref name="step"/> of <paramref name="steps"/>, [count] in
    /// <paramref name="dtype"/>. With ten or more steps the last one runs at the upper bound, as C&amp;W's code does
    /// ("repeat"), so that the final optimisation uses a constant known to succeed.
    /// </summary>
    public Tensor Constants(int step, int steps, DType dtype, Device device)
    {
        var values = steps >= 10 && step == steps - 1 ? upper : current;
        using var constants = Torch.Torch.FromArray(values, values.Length);
        return constants.To(dtype, device);
    }

    /// <summary>The constant of input <paramref name="index"/> for search step <paramref name="step"/>, as <see cref="Constants"/> gives it.</summary>
    public double Constant(int index, int step, int steps) => steps >= 10 && step == steps - 1 ? upper[index] : current[index];

    /// <summary>Moves the bounds after a search step; <paramref name="succeeded"/> [count] says where an adversarial was found.</summary>
    public void Update(bool[] succeeded)
    {
        for (var i = 0; i < current.Length; i++)
        {
            if (succeeded[i])
            {
                upper[i] = Math.Min(upper[i], current[i]);
                if (upper[i] < NoUpperBound / 10)
                {
                    current[i] = (lower[i] + upper[i]) / 2;
                }
            }
            else
            {
                lower[i] = Math.Max(lower[i], current[i]);
                current[i] = upper[i] < NoUpperBound / 10 ? (lower[i] + upper[i]) / 2 : current[i] * 10;
            }
        }
    }
}
