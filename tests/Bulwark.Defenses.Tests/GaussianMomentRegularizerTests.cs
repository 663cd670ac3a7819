using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Models;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// The moment regularizer against oracles: the variance path against the exact variance of the first layer's linear
/// map (read off by basis vectors), the expected-response term against Monte Carlo, the σ → 0 limit against the plain
/// cross-entropy, and the whole objective's parameter gradient against central differences.
/// </summary>
public sealed class GaussianMomentRegularizerTests
{
    private static readonly long[] Labels = [0, 2, 1];

    [Fact]
    public void Should_LeaveTheForwardPassUnchanged_When_MaxPoolAndReluAreCommuted()
    {
        // Given the paper's LeNet (conv → max-pool → ReLU) with its x − 0.5 standardisation
        using var scope = TensorScope.Begin();
        Torch.ManualSeed(3);
        using var model = ModelZoo.Create(new ModelSpec { Architecture = "gnm-lenet", Mean = [0.5], Std = [1] });
        using var generator = new Generator(4);
        var x = Torch.Rand([5, 1, 28, 28], generator);

        // When
        var parts = MomentDecomposition.Of(model);
        var recomposed = parts.ApplyRest(parts.Affine.Forward(parts.ApplyPrefix(x)).Relu());

        // Then
        parts.Prefix.Single().ShouldBeOfType<Standardize>();
        parts.Rest[0].ShouldBeOfType<MaxPool2d>();
        recomposed.ToArray<float>().ShouldBe(model.Forward(x).ToArray<float>());
    }

    [Fact]
    public void Should_NameTheOffendingLayer_When_TheModelDoesNotStartAffineThenRelu()
    {
        using var pooledByAverage = new Sequential(new Conv2d(1, 2, 3), new AvgPool2d(2), new ReLU());
        using var droppedFirst = new Sequential(new Dropout(0.5), new Linear(4, 2), new ReLU());
        using var noRelu = new Sequential(new Flatten(), new Linear(4, 2));

        Should.Throw<ArgumentException>(() => MomentDecomposition.Of(pooledByAverage)).Message.ShouldContain("layer 1 is AvgPool2d");
        Should.Throw<ArgumentException>(() => MomentDecomposition.Of(droppedFirst)).Message.ShouldContain("layer 0 is Dropout");
        Should.Throw<ArgumentException>(() => MomentDecomposition.Of(noRelu)).Message.ShouldContain("layer 2 is missing");
    }

    [Fact]
    public void Should_GiveTheExactStdOfEachPreActivation_When_ComparedWithTheLinearMapReadOffByBasisVectors()
    {
        // Given a standardised, padded, strided convolution and a per-pixel σ map
        using var scope = TensorScope.Begin();
        var model = TinyConvNet(DType.Float64, std: 0.5, stride: 2);
        var parts = MomentDecomposition.Of(model);
        using var generator = new Generator(9);
        var sigma = Torch.Rand([1, 1, 5, 5], generator, DType.Float64).Add(0.1);

        // When
        var std = parts.PreActivationStd(sigma.Square());

        // Then: Var(Υ(P(x + σ∘z)))_i = Σ_j A_ij² σ_j², A's column j = Υ(P(e_j)) − Υ(P(0))
        var zero = parts.Affine.Forward(parts.ApplyPrefix(Torch.Zeros([1, 1, 5, 5], DType.Float64)));
        var sigmas = sigma.ToArray<double>();
        var variance = new double[zero.NumberOfElements];
        for (var j = 0; j < 25; j++)
        {
            var basis = new double[25];
            basis[j] = 1;
            var column = parts.Affine.Forward(parts.ApplyPrefix(Torch.FromArray(basis, 1, 1, 5, 5))).Sub(zero).ToArray<double>();
            for (var i = 0; i < column.Length; i++)
            {
                variance[i] += column[i] * column[i] * sigmas[j] * sigmas[j];
            }
        }

        std.Shape.ShouldBe(zero.Shape);
        std.ToArray<double>().ShouldBe(variance.Select(Math.Sqrt).ToArray(), tolerance: 1e-12);
    }

    [Fact]
    public void Should_ClassifyTheMonteCarloMeanOfTheFirstReluOutput_When_TheExpectedTermIsComputed()
    {
        // Given
        using var scope = TensorScope.Begin();
        var model = TinyConvNet(DType.Float64, std: 1, stride: 1);
        var parts = MomentDecomposition.Of(model);
        const double sigma = 0.4;
        const int draws = 20_000;
        using var generator = new Generator(11);
        var x = Torch.Rand([1, 1, 5, 5], generator, DType.Float64);

        // When: relu(Υ(x + σz)) averaged over draws of z
        var noisy = x.Add(Torch.Randn([draws, 1, 5, 5], generator, DType.Float64).Mul(sigma));
        var samples = parts.Affine.Forward(parts.ApplyPrefix(noisy)).Relu();
        var monteCarlo = samples.Mean([0], keepDim: true).ToArray<double>();
        var standardError = samples.Var([0], keepDim: true).Div(draws).Sqrt().ToArray<double>();
        var mu = parts.Affine.Forward(parts.ApplyPrefix(x));
        var analytic = Functional.GaussianReluMean(mu, parts.PreActivationStd(Torch.Full([1, 1, 5, 5], sigma * sigma, DType.Float64)))
            .ToArray<double>();

        // Then
        for (var i = 0; i < analytic.Length; i++)
        {
            Math.Abs(analytic[i] - monteCarlo[i]).ShouldBeLessThan(4 * standardError[i] + 1e-9, $"element {i}");
        }
    }

    [Fact]
    public void Should_ApproachTwiceThePlainCrossEntropy_When_SigmaGoesToZero()
    {
        using var scope = TensorScope.Begin();
        var model = TinyConvNet(DType.Float64, std: 1, stride: 1);
        var (inputs, labels) = Batch();
        var plain = Functional.CrossEntropy(model.Forward(inputs), labels).ToDouble();

        var atZero = new GaussianMomentRegularizer(0, alpha: 1).Compute(model, inputs, labels).Loss.ToDouble();
        var nearZero = new GaussianMomentRegularizer(1e-6, alpha: 1).Compute(model, inputs, labels).Loss.ToDouble();
        var atQuarter = new GaussianMomentRegularizer(0.25, alpha: 1).Compute(model, inputs, labels).Loss.ToDouble();

        atZero.ShouldBe(2 * plain, tolerance: 1e-12);
        nearZero.ShouldBe(2 * plain, tolerance: 1e-4 * plain);
        Math.Abs(atQuarter - 2 * plain).ShouldBeGreaterThan(1e-4 * plain, "noise must change the expected term");
    }

    [Fact]
    public void Should_BeThePlainCrossEntropy_When_AlphaIsZero()
    {
        using var scope = TensorScope.Begin();
        var model = TinyConvNet(DType.Float64, std: 1, stride: 1);
        var (inputs, labels) = Batch();

        var result = new GaussianMomentRegularizer(0.5, alpha: 0).Compute(model, inputs, labels);

        result.Loss.ToDouble().ShouldBe(Functional.CrossEntropy(model.Forward(inputs), labels).ToDouble(), tolerance: 1e-15);
    }

    [Theory]
    [InlineData(0.3, 1.0)]
    [InlineData(1.0, 2.0)]
    public void Should_HaveTheParameterGradientOfCentralDifferences_When_TheWholeObjectiveIsDifferentiated(double sigma, double alpha)
    {
        // Given: the variance path makes the first layer's weights enter through s as well as μ
        using var scope = TensorScope.Begin();
        var model = TinyConvNet(DType.Float64, std: 0.5, stride: 1);
        var (inputs, labels) = Batch();
        var objective = new GaussianMomentRegularizer(sigma, alpha);
        objective.Compute(model, inputs, labels).Loss.Backward();

        // When / Then
        var largest = ParameterGradients.ShouldMatchCentralDifferences(model, () => objective.Compute(model, inputs, labels).Loss.ToDouble());
        largest.ShouldBeGreaterThan(1e-3, "a vanishing gradient would prove nothing");
    }

    [Fact]
    public void Should_EqualTheScalarForm_When_TheSigmaMapIsConstant()
    {
        using var scope = TensorScope.Begin();
        var model = TinyConvNet(DType.Float64, std: 1, stride: 1);
        var (inputs, labels) = Batch();
        using var map = new GaussianMomentRegularizer(Torch.Full([1, 5, 5], 0.3, DType.Float64), alpha: 1);

        var fromMap = map.Compute(model, inputs, labels).Loss.ToDouble();
        var fromScalar = new GaussianMomentRegularizer(0.3, alpha: 1).Compute(model, inputs, labels).Loss.ToDouble();

        fromMap.ShouldBe(fromScalar, tolerance: 1e-12);
    }

    [Fact]
    public void Should_RejectBadSettings_When_Constructed()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new GaussianMomentRegularizer(-0.1));
        Should.Throw<ArgumentOutOfRangeException>(() => new GaussianMomentRegularizer(double.NaN));
        Should.Throw<ArgumentOutOfRangeException>(() => new GaussianMomentRegularizer(0.1, alpha: -1));
        using var negative = Torch.Full([1, 5, 5], -0.1);
        Should.Throw<ArgumentException>(() => new GaussianMomentRegularizer(negative));

        using var scope = TensorScope.Begin();
        var model = TinyConvNet(DType.Float64, std: 1, stride: 1);
        var (inputs, labels) = Batch();
        using var misfit = new GaussianMomentRegularizer(Torch.Full([1, 4, 4], 0.3, DType.Float64));
        Should.Throw<ArgumentException>(() => misfit.Compute(model, inputs, labels)).Message.ShouldContain("σ map");
    }

    [Fact]
    public void Should_WorkOnALinearFirstLayer_When_TheModelIsAnMlp()
    {
        using var scope = TensorScope.Begin();
        Torch.ManualSeed(5);
        using var model = ModelZoo.Mlp(25, [8], 3);
        model.To(DType.Float64);
        var (inputs, labels) = Batch();

        var atZero = new GaussianMomentRegularizer(0).Compute(model, inputs, labels).Loss.ToDouble();
        var noisy = new GaussianMomentRegularizer(0.5).Compute(model, inputs, labels).Loss.ToDouble();

        atZero.ShouldBe(2 * Functional.CrossEntropy(model.Forward(inputs), labels).ToDouble(), tolerance: 1e-12);
        double.IsFinite(noisy).ShouldBeTrue();
        noisy.ShouldNotBe(atZero);
    }

    /// <summary>Standardize(0.5, std) → Conv(1→2, 3, pad 1, stride) → MaxPool 2 → ReLU → Flatten → Linear(→3) on 1×5×5.</summary>
    private static Sequential TinyConvNet(DType dtype, double std, int stride)
    {
        Torch.ManualSeed(13);
        var side = (5 + 2 - 3) / stride + 1;
        var model = new Sequential(
            new Standardize([0.5], [std]),
            new Conv2d(1, 2, 3, stride: stride, padding: 1), new MaxPool2d(2), new ReLU(),
            new Flatten(), new Linear(2 * (side / 2) * (side / 2), 3));
        model.To(dtype);
        return model;
    }

    private static (Tensor Inputs, Tensor Labels) Batch()
    {
        using var generator = new Generator(21);
        return (Torch.Rand([Labels.Length, 1, 5, 5], generator, DType.Float64), Torch.FromArray(Labels, Labels.Length));
    }
}
