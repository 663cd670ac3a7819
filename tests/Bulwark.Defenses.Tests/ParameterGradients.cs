using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

using Torch = Bulwark.Torch.Torch;

/// <summary>Central differences of a scalar loss with respect to every parameter element of a float64 model.</summary>
internal static class ParameterGradients
{
    /// <summary>
    /// Checks each parameter's <c>.Grad</c> (filled by the caller's backward) against (L(θ+h) − L(θ−h)) / 2h, with the
    /// tolerance <c>absolute + relative·|numerical|</c>. Returns the largest |numerical| seen, so a caller can make sure the
    /// check was not vacuous.
    /// </summary>
    public static double ShouldMatchCentralDifferences(Module model, Func<double> loss, double h = 1e-6,
        double absolute = 1e-7, double relative = 1e-5)
    {
        var largest = 0.0;
        foreach (var (name, parameter) in model.NamedParameters())
        {
            var analytical = parameter.Grad!.ToArray<double>();
            var values = parameter.ToArray<double>();
            for (var j = 0; j < values.Length; j++)
            {
                var numerical = (LossWith(parameter, values, j, +h) - LossWith(parameter, values, j, -h)) / (2 * h);
                SetValues(parameter, values);
                Math.Abs(analytical[j] - numerical).ShouldBeLessThan(absolute + relative * Math.Abs(numerical), $"{name}[{j}]");
                largest = Math.Max(largest, Math.Abs(numerical));
            }
        }

        return largest;

        double LossWith(Tensor parameter, double[] values, int index, double step)
        {
            var shifted = (double[])values.Clone();
            shifted[index] += step;
            SetValues(parameter, shifted);
            using var evaluation = TensorScope.Begin();
            return loss();
        }
    }

    private static void SetValues(Tensor parameter, double[] values)
    {
        using var source = Torch.FromArray(values, parameter.Shape);
        using var noGrad = Autograd.NoGrad();
        parameter.Copy_(source);
    }
}
