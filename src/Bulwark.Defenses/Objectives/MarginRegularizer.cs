using System.Globalization;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// Deep margin maximization (Matyasko &amp; Chau, IJCNN 2017; chapter 3 of Matyasko's thesis, eq. 3.18): the multiclass
/// hinge loss plus C times the mean margin sensitivity,
/// <code>
/// loss = mean_b relu(max_{j≠y} f_j(x_b) − f_y(x_b) + δ)  +  C · mean_b ‖∇f_y(x_b) − ∇f_l(x_b)‖
/// l_b  = argmax_k ‖∇f_k(x_b) − ∇f_y(x_b)‖                 (a constant for backprop)
/// </code>
/// where ∇ is the gradient of a logit with respect to the model's input. The hinge pushes the functional margin of every
/// sample above δ = 1, the penalty shrinks the largest gradient difference, so that the first-order distance to the
/// decision boundary, margin ÷ sensitivity, grows.
/// <para>
/// The norm is a <see cref="MarginSensitivity"/>: the reference code's squared ℓ2 with l over all classes (k = y gives 0;
/// the default, "margin-l2", C = 0.1), its ℓ1 ("margin-l1", C = 0.01), or the paper's plain ℓ2 with l over j ≠ y. Note
/// that l is the class whose gradient differs most from the true class's, not the class of the nearest boundary.
/// </para>
/// <para>
/// Cost: choosing l needs every class's input gradient — K backward passes through the clean forward graph, without a
/// graph of their own — and the penalty then needs one more backward with a graph, of <c>Σ_b f_{l_b} − f_{y_b}</c>, which
/// gives each sample's <c>∇f_l − ∇f_y</c>. The reference builds all K gradients with a graph and backpropagates the loss
/// through all of them; since l is a constant, the gradient it gets is the same as here. Samples must not interact in the
/// forward pass (no batch statistics in training mode), as in the reference.
/// </para>
/// </summary>
public sealed class MarginRegularizer : Regularizer
{
    /// <param name="sensitivity">How the gradient difference is measured.</param>
    /// <param name="weight">C, the weight of the sensitivity term (finite, non-negative); see <see cref="DefaultWeight"/>.</param>
    /// <param name="delta">δ, the functional margin the hinge asks for (1 in the paper and the code).</param>
    public MarginRegularizer(MarginSensitivity sensitivity = MarginSensitivity.SquaredL2, double? weight = null, double delta = 1)
        : base(weight ?? DefaultWeight(sensitivity))
    {
        if (!Enum.IsDefined(sensitivity))
        {
            throw new ArgumentOutOfRangeException(nameof(sensitivity), sensitivity, "unknown margin sensitivity");
        }

        if (!double.IsFinite(delta))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "the hinge margin δ must be finite");
        }

        Sensitivity = sensitivity;
        Delta = delta;
    }

    /// <summary>How the gradient difference is measured.</summary>
    public MarginSensitivity Sensitivity { get; }

    /// <summary>δ, the functional margin of the hinge loss.</summary>
    public double Delta { get; }

    /// <summary>"margin-l2" (squared ℓ2, the reference's), "margin-l1", or "margin-l2-paper" (plain ℓ2, eq. 3.18).</summary>
    public override string Name => Sensitivity switch
    {
        MarginSensitivity.SquaredL2 => "margin-l2",
        MarginSensitivity.L1 => "margin-l1",
        _ => "margin-l2-paper",
    };

    /// <summary>The penalty differentiates through input gradients.</summary>
    public override bool NeedsInputGradient => true;

    /// <summary>The C the paper selected on validation data: 0.1 for ℓ2 (both forms), 0.01 for ℓ1.</summary>
    public static double DefaultWeight(MarginSensitivity sensitivity) => sensitivity == MarginSensitivity.L1 ? 0.01 : 0.1;

    /// <summary>
    /// The multiclass hinge loss <c>mean_b relu(max_{j≠y} f_j − f_y + δ)</c> (Lasagne's <c>multiclass_hinge_loss</c>, which
    /// the reference trains with).
    /// </summary>
    public override Tensor DataLoss(Tensor logits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = TensorScope.Begin();
        var index = labels.Unsqueeze(1);
        var correct = logits.Gather(1, index).Squeeze(1);
        var (largestOther, _) = logits.Scatter(1, index, double.NegativeInfinity).Max(1);
        return scope.Keep(largestOther.Sub(correct).Add(Delta).Relu().Mean());
    }

    /// <summary>
    /// <c>mean_b ‖∇f_y(x_b) − ∇f_l(x_b)‖</c> in the chosen norm. <see cref="RegularizerBatch.Inputs"/> must require
    /// gradients and <see cref="RegularizerBatch.Logits"/> must have been computed from them.
    /// </summary>
    public override Tensor Penalty(RegularizerBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = TensorScope.Begin();
        var logits = batch.Logits;
        var classes = logits.Size(1);
        var trueClass = Torch.Torch.OneHot(batch.Labels, classes).To(logits.DType);
        var largest = Torch.Torch.OneHot(LargestDifferenceClass(batch), classes).To(logits.DType);

        // One backward of Σ_b f_l − f_y gives every sample its own ∇f_l − ∇f_y (samples do not interact).
        var difference = Autograd.Grad(logits, batch.Inputs, largest.Sub(trueClass), createGraph: true).Flatten(1);
        var sensitivity = Sensitivity switch
        {
            MarginSensitivity.SquaredL2 => difference.Square().Sum(1),
            MarginSensitivity.L1 => difference.Abs().Sum(1),
            _ => difference.Norm(2, 1),
        };
        return scope.Keep(sensitivity.Mean());
    }

    /// <summary>l_b = argmax_k d_bk, d_bk = ‖∇f_k − ∇f_y‖ (over j ≠ y for the paper's form); no graph is recorded.</summary>
    private Tensor LargestDifferenceClass(RegularizerBatch batch)
    {
        using var scope = TensorScope.Begin();
        var logits = batch.Logits;
        var classes = logits.Size(1);
        var count = logits.Size(0);
        using var basis = Torch.Torch.Eye(classes, dtype: logits.DType, device: logits.Device);
        var gradients = new Tensor[classes];
        for (var k = 0; k < classes; k++)
        {
            var selectK = basis.Select(0, k).Expand(count, classes);
            gradients[k] = Autograd.Grad(logits, batch.Inputs, selectK, retainGraph: true).Flatten(1);
        }

        using var noGrad = Autograd.NoGrad();
        var all = Torch.Torch.Stack(gradients, 1);
        var index = batch.Labels.Reshape(count, 1, 1).Expand(count, 1, all.Size(2));
        var differences = all.Sub(all.Gather(1, index));
        var distances = Sensitivity == MarginSensitivity.L1 ? differences.Abs().Sum(2) : differences.Square().Sum(2);
        if (Sensitivity == MarginSensitivity.L2)
        {
            distances = distances.Scatter(1, batch.Labels.Unsqueeze(1), -1.0);
        }

        return scope.Keep(distances.Argmax(1));
    }

    /// <summary>The settings, e.g. <c>MarginRegularizer(SquaredL2, C=0.1, δ=1)</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"MarginRegularizer({Sensitivity}, C={Weight}, δ={Delta})");
}
