using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks.Tests;

/// <summary>
/// f(x) = W·x + b in a box far away: the smallest perturbation that changes the label y is known in closed form,
/// min over k ≠ y of (f_y − f_k) / ‖w_y − w_k‖_q with q the dual norm (ℓ2 → ℓ2, ℓ∞ → ℓ1, ℓ1 → ℓ∞), because the
/// region where y wins is an intersection of half-spaces.
/// </summary>
internal sealed class AffineClassifier : IDisposable
{
    public AffineClassifier(int inputs = 12, int classes = 4, int samples = 16, ulong seed = 3)
    {
        using var generator = new Generator(seed);
        Layer = new Linear(inputs, classes);
        using (Autograd.NoGrad())
        {
            using var w = Torch.Torch.Randn([classes, inputs], generator, DType.Float64);
            using var b = Torch.Torch.Randn([classes], generator, DType.Float64);
            Layer.To(DType.Float64);
            Layer.Weight.Copy_(w);
            Layer.Bias!.Copy_(b);
        }

        Model = new AttackModel(new Sequential(new Flatten()).Add(Layer), new Bounds(-100, 100));
        Inputs = Torch.Torch.Randn([samples, 1, 1, inputs], generator, DType.Float64);
        using var logits = Layer.Forward(Inputs.Flatten(1));
        Labels = logits.Argmax(1);
    }

    public Linear Layer { get; }

    public AttackModel Model { get; }

    public Tensor Inputs { get; }

    public Tensor Labels { get; }

    /// <summary>The exact minimal adversarial norm per sample for the given attack norm.</summary>
    public double[] MinimalNorms(Norm norm)
    {
        var dual = ReferenceEquals(norm, Norm.L2) ? 2.0 : ReferenceEquals(norm, Norm.Linf) ? 1.0 : double.PositiveInfinity;
        var w = Layer.Weight.ToArray<double>();
        var b = Layer.Bias!.ToArray<double>();
        var x = Inputs.ToArray<double>();
        var y = Labels.ToArray<long>();
        var classes = (int)Layer.OutFeatures;
        var d = (int)Layer.InFeatures;
        var result = new double[y.Length];
        for (var i = 0; i < y.Length; i++)
        {
            double F(int k)
            {
                var s = b[k];
                for (var j = 0; j < d; j++)
                {
                    s += w[k * d + j] * x[i * d + j];
                }

                return s;
            }

            var best = double.PositiveInfinity;
            for (var k = 0; k < classes; k++)
            {
                if (k == y[i])
                {
                    continue;
                }

                var diff = Enumerable.Range(0, d).Select(j => w[y[i] * d + j] - w[k * d + j]).ToArray();
                var normOfDiff = dual switch
                {
                    2.0 => Math.Sqrt(diff.Sum(v => v * v)),
                    1.0 => diff.Sum(Math.Abs),
                    _ => diff.Max(Math.Abs),
                };
                best = Math.Min(best, (F((int)y[i]) - F(k)) / normOfDiff);
            }

            result[i] = best;
        }

        return result;
    }

    public void Dispose()
    {
        Model.Network.Dispose();
        Inputs.Dispose();
        Labels.Dispose();
    }
}
