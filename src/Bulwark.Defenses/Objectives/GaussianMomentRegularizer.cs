using System.Globalization;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// The analytical moment ("Gaussian") regularizer of Alfadly, Bibi &amp; Ghanem:
/// <c>loss = CE(f(x), y) + α·CE(Ω(T(μ₂, s)), y)</c>, where the network is <c>f = Ω ∘ relu ∘ Υ</c>
/// (<see cref="MomentDecomposition"/>), <c>μ₂ = Υ(x)</c> is the first affine layer's output with its bias,
/// <c>s = sqrt((W∘W) ⋆ σ²)</c> the standard deviation that input noise of variance σ² gives that output (squared weights,
/// no bias, same stride and padding), and <c>T(μ, s) = μΦ(μ/s) + sφ(μ/s)</c> the mean of a ReLU of a Gaussian
/// (<see cref="Functional.GaussianReluMean"/>). The second term asks the network to classify the expected first-layer
/// response under noise N(0, σ²) correctly, without sampling any noise.
/// <para>
/// σ is the noise's standard deviation in the model's input space (before a <see cref="Standardize"/> layer, which
/// divides it by its std per channel): a scalar, or a per-pixel tensor of one input's shape. The variance path does not
/// depend on x and is computed once per step. Where s = 0 (σ = 0, or a pre-activation no input pixel reaches) T is the
/// exact limit relu(μ) with no NaN; the reference divides by s unguarded and would give NaN there.
/// </para>
/// </summary>
public sealed class GaussianMomentRegularizer : ITrainingObjective, IDisposable
{
    private readonly Tensor? sigmaMap;
    private MomentDecomposition? decomposition;
    private Module? decomposed;

    /// <summary>A regularizer for noise of one standard deviation <paramref name="sigma"/> on every input element.</summary>
    public GaussianMomentRegularizer(double sigma, double alpha = 1, double empiricalWeight = 1)
    {
        if (!(sigma >= 0) || double.IsInfinity(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be finite and non-negative");
        }

        Sigma = sigma;
        Alpha = RequireWeight(alpha, nameof(alpha));
        EmpiricalWeight = RequireWeight(empiricalWeight, nameof(empiricalWeight));
    }

    /// <summary>A regularizer for noise whose standard deviation varies per input element (a tensor of one input's shape).</summary>
    public GaussianMomentRegularizer(Tensor sigma, double alpha = 1, double empiricalWeight = 1)
        : this(0, alpha, empiricalWeight)
    {
        ArgumentNullException.ThrowIfNull(sigma);
        using (Autograd.NoGrad())
        {
            using var negative = sigma.Lt(0);
            using var finite = sigma.IsFinite();
            if (negative.Any().ToBoolean() || !finite.All().ToBoolean())
            {
                throw new ArgumentException("σ must be finite and non-negative everywhere", nameof(sigma));
            }

            sigmaMap = sigma.Detach().Clone();
        }
    }

    /// <summary>The scalar σ (0 when a per-element σ map was given).</summary>
    public double Sigma { get; }

    /// <summary>α: the weight of the expected-response term.</summary>
    public double Alpha { get; }

    /// <summary>The weight of the plain cross-entropy term (1 in all the paper's experiments).</summary>
    public double EmpiricalWeight { get; }

    public string Name => "gaussian";

    public ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        var parts = Decompose(model);
        using var scope = TensorScope.Begin();
        var preActivation = parts.Affine.Forward(parts.ApplyPrefix(inputs));
        var logits = parts.ApplyRest(preActivation.Relu());
        var empirical = Functional.CrossEntropy(logits, labels);
        if (Alpha == 0)
        {
            // The reference skips the moment path entirely when its coefficient is zero.
            return new ObjectiveResult(scope.Keep(empirical.Mul(EmpiricalWeight)), scope.Keep(logits));
        }

        var std = parts.PreActivationStd(InputVariance(inputs));
        var expectedLogits = parts.ApplyRest(Functional.GaussianReluMean(preActivation, std));
        var expected = Functional.CrossEntropy(expectedLogits, labels);
        var loss = empirical.Mul(EmpiricalWeight).Add(expected, Alpha);
        return new ObjectiveResult(scope.Keep(loss), scope.Keep(logits));
    }

    /// <summary>σ² as a tensor of shape [1, …one input…] in the input's dtype and device.</summary>
    private Tensor InputVariance(Tensor inputs)
    {
        long[] shape = [1, .. inputs.Shape.Skip(1)];
        if (sigmaMap is null)
        {
            return Torch.Torch.Full(shape, Sigma * Sigma, inputs.DType, inputs.Device);
        }

        using var squared = sigmaMap.Square();
        using var typed = squared.To(inputs.DType, inputs.Device);
        try
        {
            return typed.Expand(shape).Contiguous();
        }
        catch (TorchException e)
        {
            throw new ArgumentException(
                $"the σ map of shape [{string.Join(", ", sigmaMap.Shape)}] does not fit inputs of shape [{string.Join(", ", inputs.Shape)}]", e);
        }
    }

    private MomentDecomposition Decompose(Module model)
    {
        if (!ReferenceEquals(model, decomposed))
        {
            decomposition = MomentDecomposition.Of(model);
            decomposed = model;
        }

        return decomposition!;
    }

    private static double RequireWeight(double value, string name) =>
        value >= 0 && !double.IsInfinity(value)
            ? value
            : throw new ArgumentOutOfRangeException(name, value, "a loss weight must be finite and non-negative");

    public void Dispose() => sigmaMap?.Dispose();

    public override string ToString()
    {
        var sigma = sigmaMap is null ? Sigma.ToString(CultureInfo.InvariantCulture) : "map";
        var empirical = EmpiricalWeight == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $", empirical={EmpiricalWeight}");
        return string.Create(CultureInfo.InvariantCulture, $"GaussianMomentRegularizer(σ={sigma}, α={Alpha}{empirical})");
    }
}
