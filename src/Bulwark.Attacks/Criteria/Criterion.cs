using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// What counts as a successful adversarial input, decided from the model's logits. Criteria are objects, as in
/// Foolbox: <c>new Misclassification(labels)</c>, <c>new TargetedMisclassification(targets)</c>,
/// <c>new Confident(criterion, 0.9)</c>. They hold per-sample labels, so they can be sliced with the batch.
/// </summary>
public abstract class Criterion
{
    /// <summary>The labels the attack moves away from (untargeted) or towards (targeted), int64 [N].</summary>
    public abstract Tensor Labels { get; }

    /// <summary>True for targeted criteria: the attack must reach <see cref="Labels"/>.</summary>
    public abstract bool IsTargeted { get; }

    /// <summary>Per-sample success, bool [N], from logits [N, K].</summary>
    public abstract Tensor IsAdversarial(Tensor logits);

    /// <summary>The same criterion restricted to the samples at <paramref name="index"/> (int64).</summary>
    public abstract Criterion Select(Tensor index);
}

/// <summary>Success when the predicted class differs from the label (ground truth or the model's own prediction).</summary>
public sealed class Misclassification(Tensor labels) : Criterion
{
    public override Tensor Labels { get; } = labels ?? throw new ArgumentNullException(nameof(labels));

    public override bool IsTargeted => false;

    public override Tensor IsAdversarial(Tensor logits)
    {
        using var predicted = logits.Argmax(1);
        return predicted.Ne(Labels);
    }

    public override Criterion Select(Tensor index) => new Misclassification(Labels.IndexSelect(0, index));

    public override string ToString() => "Misclassification";
}

/// <summary>Success when the predicted class is the target.</summary>
public sealed class TargetedMisclassification(Tensor targets) : Criterion
{
    public override Tensor Labels { get; } = targets ?? throw new ArgumentNullException(nameof(targets));

    public override bool IsTargeted => true;

    public override Tensor IsAdversarial(Tensor logits)
    {
        using var predicted = logits.Argmax(1);
        return predicted.Eq(Labels);
    }

    public override Criterion Select(Tensor index) => new TargetedMisclassification(Labels.IndexSelect(0, index));

    public override string ToString() => "TargetedMisclassification";
}

/// <summary>Success of the inner criterion with a softmax probability of the predicted class of at least <see cref="Confidence"/>.</summary>
public sealed class Confident(Criterion inner, double confidence) : Criterion
{
    public Criterion Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    public double Confidence { get; } = confidence is > 0 and <= 1 ? confidence : throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "must be in (0, 1]");

    public override Tensor Labels => Inner.Labels;

    public override bool IsTargeted => Inner.IsTargeted;

    public override Tensor IsAdversarial(Tensor logits)
    {
        using var scope = TensorScope.Begin();
        var (top, _) = logits.Softmax(1).Max(1);
        return scope.Keep(Inner.IsAdversarial(logits).LogicalAnd(top.Ge(Confidence)));
    }

    public override Criterion Select(Tensor index) => new Confident(Inner.Select(index), Confidence);

    public override string ToString() => $"Confident({Inner}, ≥{Confidence})";
}
