using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// Virtual adversarial training against oracles: the Hessian H of r ↦ KL(p(x) ‖ p(x + r)) at r = 0 by central
/// differences of its gradient (float64, smooth net), its eigenvectors by Jacobi rotations; one power iteration must give
/// ε·H d₀/‖H d₀‖ for the seeded start d₀, many must give the dominant eigenvector; the loss against CE + α·KL summed by
/// hand.
/// </summary>
public sealed class VatTests
{
    private const int Features = 6;
    private const double Epsilon = 0.5;
    private static readonly long[] Labels = [1, 0, 2];

    [Fact]
    public void Should_StepAlongTheHessianTimesTheRandomStart_When_OnePowerIterationIsRun()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = Net();
        var (inputs, _) = Batch();
        var logits = model.Forward(inputs);
        using var generator = new Generator(5);
        var start = Torch.Randn(inputs.Shape, generator, DType.Float64).ToArray<double>();
        using var vat = new VirtualAdversarialTraining(Epsilon, powerIterations: 1, seed: 5);

        // When
        var perturbation = vat.Perturbation(model, inputs, logits).ToArray<double>();

        // Then
        for (var b = 0; b < Labels.Length; b++)
        {
            var hessian = KlHessian(model, inputs, b);
            var expected = Scale(Multiply(hessian, Row(start, b)), Epsilon);
            var actual = Row(perturbation, b);
            Norm(actual).ShouldBe(Epsilon, tolerance: 1e-6 * Epsilon);
            for (var i = 0; i < Features; i++)
            {
                actual[i].ShouldBe(expected[i], tolerance: 1e-5 * Epsilon, $"sample {b}, element {i}");
            }
        }
    }

    [Fact]
    public void Should_ApproachTheDominantEigenvectorOfTheKlHessian_When_ManyPowerIterationsAreRun()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = Net();
        var (inputs, _) = Batch();
        var logits = model.Forward(inputs);
        using var vat = new VirtualAdversarialTraining(Epsilon, powerIterations: 60, seed: 9);

        // When
        var perturbation = vat.Perturbation(model, inputs, logits).ToArray<double>();

        // Then
        for (var b = 0; b < Labels.Length; b++)
        {
            var (values, vectors) = SymmetricEigen(KlHessian(model, inputs, b));
            var order = Enumerable.Range(0, Features).OrderByDescending(i => Math.Abs(values[i])).ToArray();
            var dominant = Enumerable.Range(0, Features).Select(i => vectors[i, order[0]]).ToArray();
            Math.Abs(values[order[1]] / values[order[0]]).ShouldBeLessThan(0.7, "a clear spectral gap, or 60 iterations prove nothing");
            var actual = Row(perturbation, b);
            Norm(actual).ShouldBe(Epsilon, tolerance: 1e-6 * Epsilon);
            var cosine = Math.Abs(actual.Zip(dominant, (u, v) => u * v).Sum()) / Norm(actual);
            cosine.ShouldBeGreaterThan(1 - 1e-8, $"sample {b}");
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)]
    public void Should_EqualCrossEntropyPlusAlphaTimesTheKlAtTheVirtualAdversarialPoint_When_ComputedByHand(double alpha)
    {
        // Given the same seed, so the perturbation is the one the objective draws
        using var scope = TensorScope.Begin();
        using var model = Net();
        var (inputs, labels) = Batch();
        var logits = model.Forward(inputs);
        using var twin = new VirtualAdversarialTraining(Epsilon, powerIterations: 2, seed: 13);
        var perturbation = twin.Perturbation(model, inputs, logits);
        var clean = Probabilities(logits);
        var perturbed = Probabilities(model.Forward(inputs.Add(perturbation)));
        var crossEntropy = Labels.Select((y, b) => -Math.Log(clean[b][y])).Average();
        var kl = clean.Zip(perturbed, (p, q) => p.Zip(q, (u, v) => u * Math.Log(u / v)).Sum()).Average();
        using var vat = new VirtualAdversarialTraining(Epsilon, powerIterations: 2, weight: alpha, seed: 13);

        // When
        var loss = vat.Compute(model, inputs, labels).Loss.ToDouble();

        // Then
        kl.ShouldBeGreaterThan(1e-4, "the smoothness term must not vanish, or the check proves nothing");
        loss.ShouldBe(crossEntropy + alpha * kl, tolerance: 1e-12);
    }

    [Fact]
    public void Should_DrawTheSameDirectionsForASeed_When_BuiltTwice()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = Net();
        var (inputs, labels) = Batch();
        using var first = (VirtualAdversarialTraining)Objectives.Objectives.Create("vat", new ObjectiveSettings { Seed = 3, Epsilon = Epsilon });
        using var second = (VirtualAdversarialTraining)Objectives.Objectives.Create("vat", new ObjectiveSettings { Seed = 3, Epsilon = Epsilon });
        using var other = (VirtualAdversarialTraining)Objectives.Objectives.Create("vat", new ObjectiveSettings { Seed = 4, Epsilon = Epsilon });

        // When
        var a = first.Compute(model, inputs, labels).Loss.ToDouble();
        var b = second.Compute(model, inputs, labels).Loss.ToDouble();
        var c = other.Compute(model, inputs, labels).Loss.ToDouble();
        var again = first.Compute(model, inputs, labels).Loss.ToDouble();

        // Then
        b.ShouldBe(a);
        c.ShouldNotBe(a);
        again.ShouldNotBe(a, "the generator moves on from step to step");
        (first.Name, first.Xi, first.PowerIterations, first.Weight).ShouldBe(("vat", 1e-6, 1, 1.0));
    }

    /// <summary>H_ij = ∂²/∂r_i∂r_j KL(p(x_b) ‖ p(x_b + r)) at r = 0, by central differences of the analytical gradient.</summary>
    private static double[,] KlHessian(Module model, Tensor inputs, int sample, double h = 1e-4)
    {
        using var scope = TensorScope.Begin();
        var x = inputs.Narrow(0, sample, 1).Detach();
        var clean = model.Forward(x).Softmax(1).Detach();
        var hessian = new double[Features, Features];
        for (var i = 0; i < Features; i++)
        {
            var plus = GradientAt(i, h);
            var minus = GradientAt(i, -h);
            for (var j = 0; j < Features; j++)
            {
                hessian[i, j] = (plus[j] - minus[j]) / (2 * h);
            }
        }

        for (var i = 0; i < Features; i++)
        {
            for (var j = 0; j < i; j++)
            {
                hessian[i, j] = hessian[j, i] = (hessian[i, j] + hessian[j, i]) / 2;
            }
        }

        return hessian;

        double[] GradientAt(int index, double step)
        {
            var shift = new double[Features];
            shift[index] = step;
            var r = Torch.FromArray(shift, x.Shape).RequiresGrad_();
            var kl = Functional.KlDiv(model.Forward(x.Add(r)).LogSoftmax(1), clean, Reduction.Sum);
            return Autograd.Grad(kl, r).ToArray<double>();
        }
    }

    /// <summary>Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi rotations.</summary>
    private static (double[] Values, double[,] Vectors) SymmetricEigen(double[,] matrix)
    {
        var n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var v = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            v[i, i] = 1;
        }

        for (var sweep = 0; sweep < 100; sweep++)
        {
            var off = 0.0;
            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }

            if (off < 1e-30)
            {
                break;
            }

            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    if (a[p, q] == 0)
                    {
                        continue;
                    }

                    var theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    var t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    var c = 1 / Math.Sqrt(t * t + 1);
                    var s = t * c;
                    for (var k = 0; k < n; k++)
                    {
                        var akp = a[k, p];
                        var akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }

                    for (var k = 0; k < n; k++)
                    {
                        var apk = a[p, k];
                        var aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }

                    for (var k = 0; k < n; k++)
                    {
                        var vkp = v[k, p];
                        var vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
            }
        }

        return (Enumerable.Range(0, n).Select(i => a[i, i]).ToArray(), v);
    }

    private static double[] Multiply(double[,] matrix, double[] vector) =>
        Enumerable.Range(0, vector.Length).Select(i => Enumerable.Range(0, vector.Length).Sum(j => matrix[i, j] * vector[j])).ToArray();

    private static double[] Scale(double[] vector, double norm) => vector.Select(u => u * norm / Norm(vector)).ToArray();

    private static double Norm(double[] vector) => Math.Sqrt(vector.Sum(u => u * u));

    private static double[] Row(double[] values, int sample) => values.Skip(sample * Features).Take(Features).ToArray();

    private static double[][] Probabilities(Tensor logits) => logits.Softmax(1).ToArray<double>().Chunk(3).ToArray();

    /// <summary>Flatten → Linear(6, 5) → tanh → Linear(5, 3), float64: its KL Hessian depends on the input.</summary>
    private static Sequential Net()
    {
        Torch.ManualSeed(47);
        var model = new Sequential(new Flatten(), new Linear(Features, 5), new TanhLayer(), new Linear(5, 3));
        model.To(DType.Float64);
        return model;
    }

    private static (Tensor Inputs, Tensor Labels) Batch()
    {
        using var generator = new Generator(53);
        return (Torch.Randn([Labels.Length, 1, 2, 3], generator, DType.Float64).Mul(1.5), Torch.FromArray(Labels, Labels.Length));
    }
}
