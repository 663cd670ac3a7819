using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// The classes a classifier predicts, computed in batches without recording a graph. The metrics that take an
/// <see cref="AttackResult"/> need to know which inputs were classified correctly before the attack; this is
/// where that mask comes from.
/// <code>
/// using var correct = Predictions.Correct(model, images, labels);   // bool [N]
/// var curve = RobustAccuracyCurve.From(result, correct);
/// </code>
/// </summary>
public static class Predictions
{
    /// <summary>The default number of inputs per forward pass.</summary>
    public const int DefaultBatchSize = 500;

    /// <summary>
    /// Predicted classes int64 [N] of <paramref name="logits"/> (a function from inputs [B, ...] to logits [B, K])
    /// at <paramref name="inputs"/> [N, ...]. The caller owns the result.
    /// </summary>
    public static Tensor Of(Func<Tensor, Tensor> logits, Tensor inputs, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(logits);
        HostValues.CheckBatch(inputs, nameof(inputs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var parts = new List<Tensor>();
        var n = inputs.Size(0);
        for (long start = 0; start < n; start += batchSize)
        {
            var batch = inputs.Narrow(0, start, Math.Min(batchSize, n - start));
            parts.Add(logits(batch).Argmax(1));
        }

        return scope.Keep(parts.Count == 1 ? parts[0] : Torch.Torch.Cat(parts));
    }

    /// <summary>Predicted classes int64 [N] of <paramref name="model"/> (in evaluation mode) at <paramref name="inputs"/>.</summary>
    public static Tensor Of(AttackModel model, Tensor inputs, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var mode = model.EvaluationMode();
        return Of(model.Logits, inputs, batchSize);
    }

    /// <summary>bool [N]: whether <paramref name="model"/> classifies each input as its label. The caller owns the result.</summary>
    public static Tensor Correct(AttackModel model, Tensor inputs, Tensor labels, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(labels);
        using var predictions = Of(model, inputs, batchSize);
        if (labels.Dim != 1 || labels.Size(0) != predictions.Size(0))
        {
            throw new ArgumentException($"labels must be [{predictions.Size(0)}]; got shape [{string.Join(", ", labels.Shape)}]", nameof(labels));
        }

        using var scope = TensorScope.Begin();
        return scope.Keep(predictions.Eq(labels.To(DType.Int64, predictions.Device)));
    }
}
