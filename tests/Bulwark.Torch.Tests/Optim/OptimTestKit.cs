namespace Bulwark.Torch.Tests.Optim;

/// <summary>Tiny float64 parameters, hand-set gradients and tolerant comparisons for the optimizer tests.</summary>
internal static class OptimTestKit
{
    /// <summary>libtorch's vectorised kernels may fuse a multiply-add, so the scalar oracle agrees to a few ulps, not bits.</summary>
    internal const double Tolerance = 1e-13;

    /// <summary>A float64 leaf that requires grad, outside any scope: the caller disposes it.</summary>
    internal static Tensor Parameter(params double[] values) => Torch.TensorOf(values).RequiresGrad_();

    internal static void SetGradient(Tensor parameter, params double[] gradient)
    {
        using var g = Torch.TensorOf(gradient);
        parameter.Grad = g;
    }

    internal static double[] Values(Tensor tensor) => tensor.ToArray<double>();

    internal static void ShouldBeClose(double[] actual, double[] expected, double tolerance = Tolerance)
    {
        actual.Length.ShouldBe(expected.Length);
        for (var i = 0; i < actual.Length; i++)
        {
            var scale = Math.Max(1, Math.Abs(expected[i]));
            Math.Abs(actual[i] - expected[i]).ShouldBeLessThanOrEqualTo(tolerance * scale,
                $"element {i}: {actual[i]:R} vs expected {expected[i]:R}");
        }
    }

    /// <summary>Gradients that change sign and size from step to step, so every term of an update rule matters.</summary>
    internal static readonly double[][] GradientSequence =
    [
        [0.5, -1.5, 2.0],
        [0.25, 1.0, -3.0],
        [-0.75, 0.5, 1.0],
        [1.25, -0.25, 0.0],
    ];

    internal static readonly double[] Start = [1.0, -2.0, 0.5];

    /// <summary>Runs <paramref name="optimizer"/> over <see cref="GradientSequence"/> from <see cref="Start"/>.</summary>
    internal static double[] RunSequence(Func<Tensor, Bulwark.Torch.Optim.Optimizer> optimizer)
    {
        using var parameter = Parameter(Start);
        using var opt = optimizer(parameter);
        foreach (var gradient in GradientSequence)
        {
            SetGradient(parameter, gradient);
            opt.Step();
        }

        return Values(parameter);
    }

    /// <summary>The scalar oracle: applies <paramref name="update"/>(θᵢ, gᵢ, i, t) element by element for each step t = 1, 2, ….</summary>
    internal static double[] Oracle(Func<double, double, int, int, double> update)
    {
        var theta = (double[])Start.Clone();
        for (var t = 1; t <= GradientSequence.Length; t++)
        {
            for (var i = 0; i < theta.Length; i++)
            {
                theta[i] = update(theta[i], GradientSequence[t - 1][i], i, t);
            }
        }

        return theta;
    }

    /// <summary>Loss Σ cᵢ(θᵢ − targetᵢ)², minimised at θ = target, with its gradient put in θ.grad by backward.</summary>
    internal static void QuadraticBackward(Tensor parameter, double[] target, double[] curvature)
    {
        using var scope = TensorScope.Begin();
        var t = Torch.TensorOf(target);
        var c = Torch.TensorOf(curvature);
        ((parameter - t).Square() * c).Sum().Backward();
    }
}
