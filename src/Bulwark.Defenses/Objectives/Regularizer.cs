using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// What a regularization term sees of one training batch: the model, the inputs the clean logits were computed from
/// (they require gradients when any term of the objective asked for them, see <see cref="Regularizer.NeedsInputGradient"/>),
/// those logits and the labels. Terms share the one forward pass.
/// </summary>
public sealed record RegularizerBatch(Module Model, Tensor Inputs, Tensor Logits, Tensor Labels);

/// <summary>
/// A regularization term <c>λ·R(f, x, y)</c> of a training objective (DESIGN §4). On its own a regularizer is an
/// objective, <c>DataLoss(f(x), y) + λ·R</c>, with the data loss its method trains with (cross-entropy, or the hinge loss
/// of deep margin maximization); several combine into one objective with <see cref="RegularizedObjective"/>, and
/// adversarial training wraps any of them.
/// </summary>
public abstract class Regularizer : ITrainingObjective
{
    /// <param name="weight">λ: the weight of the term (finite, non-negative).</param>
    protected Regularizer(double weight)
    {
        if (!(weight >= 0) || double.IsInfinity(weight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "a regularizer weight must be finite and non-negative");
        }

        Weight = weight;
    }

    /// <summary>λ: the weight of <see cref="Penalty"/> in the loss.</summary>
    public double Weight { get; }

    public abstract string Name { get; }

    /// <summary>
    /// Whether <see cref="Penalty"/> differentiates through gradients with respect to the input (double backprop): the
    /// objective then makes the inputs require gradients before the forward pass.
    /// </summary>
    public virtual bool NeedsInputGradient => false;

    /// <summary>The unweighted term R on a batch: a differentiable scalar.</summary>
    public abstract Tensor Penalty(RegularizerBatch batch);

    /// <summary>The data term this regularizer's method trains with: the batch-mean cross-entropy unless overridden.</summary>
    public virtual Tensor DataLoss(Tensor logits, Tensor labels) => Functional.CrossEntropy(logits, labels);

    /// <summary><c>DataLoss(f(x), y) + λ·R</c>.</summary>
    public ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels) =>
        RegularizedObjective.Compute(this, [this], model, inputs, labels);
}
