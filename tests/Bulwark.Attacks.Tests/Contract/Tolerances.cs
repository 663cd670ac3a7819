using Bulwark.Torch;

namespace Bulwark.Attacks.Tests.Contract;

internal static class Tolerances
{
    /// <summary>
    /// How far a clipped perturbation's norm may exceed ε: the rounding of (x + δ) − x and of the norm itself, a few
    /// units in the last place of each value, summed over the values for ℓ1.
    /// </summary>
    public static double Ball(double epsilon, DType dtype) => (1 + epsilon) * (dtype == DType.Float64 ? 1e-9 : 1e-5);
}
