using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// Accuracy (against the labels) under additive random noise of standard deviation σ, for each σ of a list:
/// Gaussian N(0, σ²) or uniform U(−√3σ, √3σ) per value, drawn independently per input from one generator seeded
/// once before the σ loop (σ outer, batches in order inner). Each noisy input is classified twice — clipped to the
/// model's box (<see cref="Accuracy"/>, what a real image can be) and unclipped (<see cref="UnclippedAccuracy"/>,
/// as the Gaussian-regularizer paper's GNR and noise augmentation do) — on the same noise.
/// <code>var noise = NoiseAccuracy.Measure(model, x, y, NoiseDistribution.Gaussian, [0.1, 0.2, 0.3]);</code>
/// </summary>
/// <param name="Distribution">Gaussian or uniform.</param>
/// <param name="Sigmas">The noise standard deviations, in the order given.</param>
/// <param name="Accuracy">Accuracy on x + noise clipped to the box, at each σ.</param>
/// <param name="UnclippedAccuracy">Accuracy on x + noise without clipping, at each σ.</param>
/// <param name="CleanAccuracy">Accuracy without noise.</param>
/// <param name="Seed">The generator's seed.</param>
/// <param name="Total">Inputs evaluated.</param>
public sealed record NoiseAccuracy(
    [property: JsonPropertyName("distribution")] NoiseDistribution Distribution,
    [property: JsonPropertyName("sigmas")] IReadOnlyList<double> Sigmas,
    [property: JsonPropertyName("accuracy")] IReadOnlyList<double> Accuracy,
    [property: JsonPropertyName("unclipped_accuracy")] IReadOnlyList<double> UnclippedAccuracy,
    [property: JsonPropertyName("clean_accuracy")] double CleanAccuracy,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("total")] int Total)
{
    /// <summary>
    /// Noise accuracy of <paramref name="model"/> (in evaluation mode) at <paramref name="inputs"/> [N, ...] with
    /// <paramref name="labels"/> [N], clipping to the model's box.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree, the batch is empty, or a σ is negative.</exception>
    public static NoiseAccuracy Measure(AttackModel model, Tensor inputs, Tensor labels, NoiseDistribution distribution,
        IReadOnlyList<double> sigmas, ulong seed = 0, int batchSize = Predictions.DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var mode = model.EvaluationMode();
        return Measure(model.Logits, model.Bounds, inputs, labels, distribution, sigmas, seed, batchSize);
    }

    /// <summary>
    /// Noise accuracy of <paramref name="logits"/> (inputs [B, ...] → logits [B, K]; the caller puts a network in
    /// evaluation mode), clipping to <paramref name="bounds"/>.
    /// </summary>
    public static NoiseAccuracy Measure(Func<Tensor, Tensor> logits, Bounds bounds, Tensor inputs, Tensor labels,
        NoiseDistribution distribution, IReadOnlyList<double> sigmas, ulong seed = 0, int batchSize = Predictions.DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(logits);
        HostValues.CheckBatch(inputs, nameof(inputs));
        ArgumentNullException.ThrowIfNull(sigmas);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (sigmas.Any(s => !(s >= 0) || double.IsInfinity(s)))
        {
            throw new ArgumentException($"sigmas must be finite and non-negative; got [{string.Join(", ", sigmas)}]", nameof(sigmas));
        }

        if (!Enum.IsDefined(distribution))
        {
            throw new ArgumentOutOfRangeException(nameof(distribution), distribution, "unknown noise distribution");
        }

        var n = inputs.Size(0);
        var truth = HostValues.Longs(labels, nameof(labels), n);
        using var outer = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var labelTensor = Torch.Torch.FromArray(truth, n).To(inputs.Device);

        long Correct(Tensor batchInputs, long start) =>
            logits(batchInputs).Argmax(1).Eq(labelTensor.Narrow(0, start, batchInputs.Size(0))).Sum().ToInt64();

        long clean = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = TensorScope.Begin();
            clean += Correct(inputs.Narrow(0, start, Math.Min(batchSize, n - start)), start);
        }

        using var generator = new Generator(seed);
        var clipped = new double[sigmas.Count];
        var unclipped = new double[sigmas.Count];
        for (var i = 0; i < sigmas.Count; i++)
        {
            long clippedCorrect = 0, unclippedCorrect = 0;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = TensorScope.Begin();
                var batch = inputs.Narrow(0, start, Math.Min(batchSize, n - start));
                var noisy = batch.Add(Sample(batch, distribution, sigmas[i], generator));
                unclippedCorrect += Correct(noisy, start);
                clippedCorrect += Correct(noisy.Clamp(bounds.Low, bounds.High), start);
            }

            clipped[i] = (double)clippedCorrect / n;
            unclipped[i] = (double)unclippedCorrect / n;
        }

        return new NoiseAccuracy(distribution, sigmas.ToArray(), clipped, unclipped, (double)clean / n, seed, checked((int)n));
    }

    /// <summary>Noise shaped like <paramref name="like"/> with standard deviation <paramref name="sigma"/>.</summary>
    internal static Tensor Sample(Tensor like, NoiseDistribution distribution, double sigma, Generator generator)
    {
        using var scope = TensorScope.Begin();
        var noise = distribution == NoiseDistribution.Gaussian
            ? Torch.Torch.RandnLike(like, generator).Mul(sigma)
            // U(0, 1) → U(−√3σ, √3σ): variance (2√3σ)²/12 = σ²
            : Torch.Torch.RandLike(like, generator).Mul(2).Sub(1).Mul(Math.Sqrt(3) * sigma);
        return scope.Keep(noise);
    }
}
