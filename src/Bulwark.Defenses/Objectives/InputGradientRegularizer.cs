using System.Globalization;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// Input-gradient regularization ("double backprop"), Ross &amp; Doshi-Velez, "Improving the adversarial robustness and
/// interpretability of deep neural networks by regularizing their input gradients" (AAAI 2018):
/// <c>loss = CE + λ·R</c>, where g_b = ∇_x CE(f(x_b), y_b) is the input gradient of sample b's own loss and, by
/// <see cref="Convention"/>,
/// <list type="bullet">
/// <item><description><see cref="InputGradientConvention.PerSample"/> (default): <c>R = mean_b ‖g_b‖²</c>, λ' = 10^4.75/512
/// ≈ 109.8 by default;</description></item>
/// <item><description><see cref="InputGradientConvention.Reference"/> (the authors' code): <c>R = ½·‖∇_x mean_b CE_b‖²
/// = ½/B²·Σ_b ‖g_b‖²</c>, TensorFlow's <c>l2_loss</c> of the gradient of the batch-mean loss, λ = 10^4.75 ≈ 56234 by
/// default (the paper's chosen MNIST value).</description></item>
/// </list>
/// The two agree when λ' = λ/(2B) (<see cref="PerSampleWeight"/>): the defaults are equal at the reference batch
/// size 256 (METHODS §2c). The gradient of R with respect to the parameters is exact (the input gradient is built with
/// <c>createGraph</c>). Samples must not interact in the forward pass (no batch norm in training mode) for g_b to be
/// sample b's own gradient.
/// <example><code>
/// var perSample = new InputGradientRegularizer();                                          // CE + 109.8·mean‖g_b‖²
/// var reference = new InputGradientRegularizer(convention: InputGradientConvention.Reference); // CE + 56234·½‖∇ mean CE‖²
/// </code></example>
/// </summary>
public sealed class InputGradientRegularizer : Regularizer
{
    /// <summary>The batch size of the reference experiments (MNIST), at which the default weights agree.</summary>
    public const int ReferenceBatchSize = 256;

    /// <summary>λ = 10^4.75 ≈ 56234.13, the value the paper chose on MNIST, in the reference convention.</summary>
    public static readonly double ReferenceDefaultWeight = Math.Pow(10, 4.75);

    /// <param name="weight">λ in <paramref name="convention"/>'s scale; null = that convention's default.</param>
    /// <param name="convention">Which scaling R (and so λ) has.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite weight, or an unknown convention.</exception>
    public InputGradientRegularizer(double? weight = null, InputGradientConvention convention = InputGradientConvention.PerSample)
        : base(weight ?? DefaultWeight(convention))
    {
        if (!Enum.IsDefined(convention))
        {
            throw new ArgumentOutOfRangeException(nameof(convention), convention, "unknown input-gradient convention");
        }

        Convention = convention;
    }

    /// <summary>The scaling of R.</summary>
    public InputGradientConvention Convention { get; }

    /// <inheritdoc/>
    public override string Name => "input-gradient";

    /// <inheritdoc/>
    public override bool NeedsInputGradient => true;

    /// <summary>The default weight of <paramref name="convention"/>: 10^4.75 (reference) or 10^4.75/(2·256) (per sample).</summary>
    public static double DefaultWeight(InputGradientConvention convention) => convention switch
    {
        InputGradientConvention.PerSample => PerSampleWeight(ReferenceDefaultWeight, ReferenceBatchSize),
        InputGradientConvention.Reference => ReferenceDefaultWeight,
        _ => throw new ArgumentOutOfRangeException(nameof(convention), convention, "unknown input-gradient convention"),
    };

    /// <summary>The per-sample λ' = λ/(2B) that gives the same loss as reference λ at batch size <paramref name="batchSize"/>.</summary>
    public static double PerSampleWeight(double referenceWeight, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return referenceWeight / (2.0 * batchSize);
    }

    /// <summary>The reference λ = 2B·λ' that gives the same loss as per-sample λ' at batch size <paramref name="batchSize"/>.</summary>
    public static double ReferenceWeight(double perSampleWeight, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return perSampleWeight * 2.0 * batchSize;
    }

    /// <summary>R on the batch (see the class summary); <c>batch.Inputs</c> must require gradients.</summary>
    /// <exception cref="ArgumentException">The inputs do not require gradients.</exception>
    public override Tensor Penalty(RegularizerBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!batch.Inputs.RequiresGrad)
        {
            throw new ArgumentException("the inputs must require gradients for an input-gradient penalty", nameof(batch));
        }

        using var scope = TensorScope.Begin();
        Tensor penalty;
        if (Convention == InputGradientConvention.Reference)
        {
            // tf.nn.l2_loss(tf.gradients(mean CE, X)): rows are g_b / B.
            var meanLoss = Functional.CrossEntropy(batch.Logits, batch.Labels);
            var gradient = Autograd.Grad(meanLoss, batch.Inputs, createGraph: true);
            penalty = gradient.Square().Sum().Mul(0.5);
        }
        else
        {
            // The gradient of the summed losses has row b = g_b, since samples do not interact.
            var losses = Functional.CrossEntropy(batch.Logits, batch.Labels, Reduction.None);
            var gradient = Autograd.Grad(losses.Sum(), batch.Inputs, createGraph: true);
            penalty = gradient.Square().Flatten(1).Sum(1).Mean();
        }

        return scope.Keep(penalty);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"InputGradientRegularizer(λ={Weight}, {Convention})");
}
