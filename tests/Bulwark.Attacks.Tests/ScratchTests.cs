using Bulwark.Attacks;
using Bulwark.Torch;
using Xunit.Abstractions;

namespace Bulwark.Attacks.Tests;

public sealed class ScratchTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("ead1", 4)]
    [InlineData("cw", 4)]
    [InlineData("ddn", 4)]
    [InlineData("ddn100", 4)]
    public void Scratch(string name, int classes)
    {
        using var affine = new AffineClassifier(classes: classes, samples: 32);
        MinimumNormAttack attack = name switch
        {
            "cw" => new CarliniWagnerL2(new CarliniWagnerOptions { LearningRate = 1e-4, Steps = 1000 }),
            "ddn" => new DecoupledDirectionNorm(new DdnOptions { Quantize = false, Steps = 300 }),
            "ddn100" => new DecoupledDirectionNorm(new DdnOptions { Quantize = false, Steps = 100 }),
            _ => new ElasticNet(new EadOptions { DecisionRule = EadDecisionRule.L1, Beta = double.Parse(name[3..], System.Globalization.CultureInfo.InvariantCulture) }),
        };
        var truth = affine.MinimalNorms(attack.Norm);
        using var result = attack.Run(affine.Model, affine.Inputs, new Misclassification(affine.Labels));
        var found = result.Norms.ToArray<double>();
        var landing = affine.Model.Predict(result.Raw[0]).ToArray<long>();
        var w = affine.Layer.Weight.ToArray<double>();
        var b = affine.Layer.Bias!.ToArray<double>();
        var x = affine.Inputs.ToArray<double>();
        var y = affine.Labels.ToArray<long>();
        var d = 12;
        for (var i = 0; i < truth.Length; i++)
        {
            double F(long k) { var s = b[k]; for (var j = 0; j < d; j++) s += w[k * d + j] * x[i * d + j]; return s; }
            var k = landing[i];
            var diff = Enumerable.Range(0, d).Select(j => w[y[i] * d + j] - w[k * d + j]).ToArray();
            var dual = ReferenceEquals(attack.Norm, Norm.L2) ? Math.Sqrt(diff.Sum(v => v * v)) : diff.Max(Math.Abs);
            var dk = (F(y[i]) - F(k)) / dual;
            var runnerUp = Enumerable.Range(0, classes).Where(c => c != y[i]).OrderByDescending(c => F(c)).First();
            output.WriteLine($"{i}: global {found[i] / truth[i]:F4} landing {k} (runner-up {runnerUp}) local {found[i] / dk:F4}");
        }
    }
}
