namespace Bulwark.Attacks.Tests.Norms;

/// <summary>
/// The Euclidean projection onto the ℓ1 ball computed independently of the sort-based formula: the projection is
/// soft-thresholding, sign(v)·max(|v| − θ, 0), at the θ ≥ 0 where Σ max(|v_i| − θ, 0) = ε; that sum falls
/// monotonically in θ, so bisection finds θ to machine precision.
/// </summary>
internal static class L1ProjectionOracle
{
    public static double[] Project(double[] v, double epsilon)
    {
        if (v.Sum(Math.Abs) <= epsilon)
        {
            return [.. v];
        }

        double Excess(double theta) => v.Sum(x => Math.Max(Math.Abs(x) - theta, 0)) - epsilon;
        double low = 0, high = v.Max(Math.Abs);
        for (var i = 0; i < 200 && high - low > 0; i++)
        {
            var middle = (low + high) / 2;
            if (Excess(middle) > 0)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        var threshold = (low + high) / 2;
        return [.. v.Select(x => Math.Sign(x) * Math.Max(Math.Abs(x) - threshold, 0))];
    }
}
