using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// The mean Frobenius norm of the input–logit Jacobian, (1/N) Σ_i ‖∂f(x_i)/∂x_i‖_F (the Jacobian-regularization
/// paper's Table 1, Jakubovitz &amp; Giryes 2018), computed exactly: one backward pass per class, each giving row k of
/// every sample's Jacobian at once (samples do not interact in evaluation mode). Measure it at clean inputs and at
/// adversarial ones (e.g. an attack's <see cref="AttackResult.Raw"/>) to compare the two. The derivative is with
/// respect to the inputs as given (an <see cref="AttackModel"/>'s input space, standardisation included).
/// <code>
/// var clean = JacobianNorm.Measure(model, x);
/// var adversarial = JacobianNorm.Measure(model, result.Raw[0]);
/// </code>
/// </summary>
/// <param name="Mean">Mean over inputs of ‖J(x_i)‖_F.</param>
/// <param name="Count">Inputs evaluated.</param>
/// <param name="PerSample">‖J(x_i)‖_F for each input (left out of the JSON).</param>
public sealed record JacobianNorm(
    [property: JsonPropertyName("mean_frobenius_norm")] double Mean,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonIgnore] IReadOnlyList<double> PerSample)
{
    /// <summary>The default number of inputs per forward pass (each costs K backward passes).</summary>
    public const int DefaultBatchSize = 100;

    /// <summary>
    /// At <paramref name="inputs"/> [N, ...] for <paramref name="logits"/> (inputs [B, ...] → logits [B, K]; the caller
    /// puts a network in evaluation mode).
    /// </summary>
    /// <exception cref="ArgumentException">The inputs are not a non-empty floating-point batch.</exception>
    public static JacobianNorm Measure(Func<Tensor, Tensor> logits, Tensor inputs, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(logits);
        HostValues.CheckBatch(inputs, nameof(inputs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var n = inputs.Size(0);
        var norms = new List<double>((int)n);
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = TensorScope.Begin();
            using var grad = Autograd.EnableGrad();
            var x = inputs.Narrow(0, start, Math.Min(batchSize, n - start)).Detach().RequiresGrad_();
            var output = logits(x);
            if (output.Dim != 2 || output.Size(0) != x.Size(0))
            {
                throw new ArgumentException($"logits must be [B, K]; got shape [{string.Join(", ", output.Shape)}] for {x.Size(0)} inputs", nameof(logits));
            }

            var classes = output.Size(1);
            var basis = Torch.Torch.Eye(classes, dtype: output.DType, device: output.Device);
            var squared = Torch.Torch.Zeros([x.Size(0)], DType.Float64, x.Device);
            for (long k = 0; k < classes; k++)
            {
                // grad of Σ_b f_k(x_b): row b is ∇f_k(x_b), row k of sample b's Jacobian
                var selector = basis.Narrow(0, k, 1).Expand(output.Shape);
                var row = Autograd.Grad(output, x, selector, retainGraph: k < classes - 1);
                squared = squared.Add(row.Flatten(1).To(DType.Float64).Square().Sum(1));
            }

            norms.AddRange(squared.Sqrt().Cpu().ToArray<double>());
        }

        return new JacobianNorm(norms.Average(), norms.Count, norms);
    }

    /// <summary>At <paramref name="inputs"/> for <paramref name="model"/> (in evaluation mode).</summary>
    public static JacobianNorm Measure(AttackModel model, Tensor inputs, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var mode = model.EvaluationMode();
        return Measure(model.Logits, inputs, batchSize);
    }
}
