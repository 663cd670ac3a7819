using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Evaluation.Tests;

/// <summary>A module around a function, so hand-made classifiers can sit inside an <see cref="AttackModel"/>.</summary>
internal sealed class FunctionModule(Func<Tensor, Tensor> forward) : Module
{
    public override Tensor Forward(Tensor input) => forward(input);
}

/// <summary>Hand-made classifiers whose behaviour under noise is known in closed form.</summary>
internal static class Classifiers
{
    /// <summary>Logits [B, K] that are the same for every input: always predicts <paramref name="winner"/>.</summary>
    public static Tensor Constant(Tensor inputs, int winner = 1, int classes = 3)
    {
        using var scope = TensorScope.Begin();
        var row = new double[classes];
        row[winner] = 1;
        var logits = Torch.Torch.FromArray(row, 1, classes).To(inputs.DType, inputs.Device).Expand(inputs.Size(0), classes);
        return scope.Keep(logits.Contiguous());
    }

    /// <summary>Class 0 while ‖x − center‖₂ &lt; radius, class 1 beyond: logits (radius − d, d − radius).</summary>
    public static Func<Tensor, Tensor> Ball(double radius, double center = 0) => inputs =>
    {
        using var scope = TensorScope.Begin();
        var distance = inputs.Sub(center).NormPerSample(2);
        return scope.Keep(Torch.Torch.Stack([distance.Neg().Add(radius), distance.Sub(radius)], 1));
    };

    /// <summary>
    /// Two classes split by the hyperplane w·x + b = 0 (x flattened): logits (−m/2, m/2) with m = w·x + b, so class 1
    /// where m &gt; 0, and the smallest ℓ2 perturbation that changes the class has norm |w·x + b| / ‖w‖₂.
    /// </summary>
    public static Func<Tensor, Tensor> Affine(double[] weight, double bias) => inputs =>
    {
        using var scope = TensorScope.Begin();
        var w = Torch.Torch.FromArray(weight, weight.Length, 1).To(inputs.DType, inputs.Device);
        var margin = inputs.Flatten(1).Matmul(w).Add(bias).Mul(0.5);
        return scope.Keep(Torch.Torch.Cat([margin.Neg(), margin], 1));
    };

    /// <summary>Class 1 when every value lies in [0, 1], class 0 otherwise.</summary>
    public static Tensor InsideUnitBox(Tensor inputs)
    {
        using var scope = TensorScope.Begin();
        var flat = inputs.Flatten(1);
        var (low, _) = flat.Min(1);
        var (high, _) = flat.Max(1);
        var inside = low.Ge(0).LogicalAnd(high.Le(1)).To(inputs.DType);
        return scope.Keep(Torch.Torch.Stack([inside.Neg().Add(1), inside], 1));
    }

    public static AttackModel Model(Func<Tensor, Tensor> logits, Bounds? bounds = null) =>
        new(new FunctionModule(logits), bounds);
}
