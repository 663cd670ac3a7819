using System.Text.Json.Serialization;
using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>
/// The distribution of additive noise: for the noise attacks (the direction, rescaled to unit norm) and for noise
/// accuracy in Bulwark.Evaluation (both with standard deviation σ).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<NoiseDistribution>))]
public enum NoiseDistribution
{
    /// <summary>N(0, σ²) per value.</summary>
    [JsonStringEnumMemberName("gaussian")]
    Gaussian,

    /// <summary>U(−√3·σ, √3·σ) per value (variance σ²).</summary>
    [JsonStringEnumMemberName("uniform")]
    Uniform,
}

/// <summary>Settings of <see cref="AdditiveNoise"/>.</summary>
public sealed record AdditiveNoiseOptions
{
    public NoiseDistribution Distribution { get; init; } = NoiseDistribution.Gaussian;

    /// <summary>Random directions tried per input; the smallest adversarial norm over them is kept.</summary>
    public int Directions { get; init; } = 10;

    /// <summary>Norms tried along each direction, evenly spaced in (0, <see cref="MaxNorm"/>].</summary>
    public int Steps { get; init; } = 100;

    /// <summary>Largest ℓ2 norm tried; null = the diagonal of the box (no point of the box is farther).</summary>
    public double? MaxNorm { get; init; }

    public override string ToString() =>
        $"{Distribution}, directions={Directions}, steps={Steps}, max norm={MaxNorm?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "box diagonal"}";
}

/// <summary>
/// Additive noise as a minimum-norm attack (the "AGA"/"AUA" columns of the moment-regularizer paper's Table 4, as
/// Foolbox's additive-noise attacks): along each of a few random directions (Gaussian or uniform, scaled to unit ℓ2
/// norm), scan increasing norms and keep the smallest at which the clipped input x + ε·d meets the criterion. A
/// black-box attack: no gradients, so it also serves as a gradient-masking check. Norm ℓ2; seeded.
/// <code>var result = new AdditiveNoise(new AdditiveNoiseOptions { Distribution = NoiseDistribution.Uniform }).Run(model, x, new Misclassification(y));</code>
/// </summary>
public sealed class AdditiveNoise : MinimumNormAttack
{
    public AdditiveNoise(AdditiveNoiseOptions? options = null)
    {
        Options = options ?? new AdditiveNoiseOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Directions, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.Steps, 1, nameof(options));
        if (Options.MaxNorm is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(options));
        }
    }

    public AdditiveNoiseOptions Options { get; }

    public override Norm Norm => Norm.L2;

    /// <summary>Random directions almost never hit one chosen class: untargeted only.</summary>
    public override bool SupportsTargeted => false;

    public override string Name => Options.Distribution == NoiseDistribution.Gaussian ? "gaussian-noise" : "uniform-noise";

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion)
    {
        var bounds = context.Model.Bounds;
        using var outer = TensorScope.Begin();
        var n = inputs.Size(0);
        var maxNorm = Options.MaxNorm ?? bounds.Width * Math.Sqrt(inputs.NumberOfElements / (double)n);
        var best = inputs.Clone();
        var bestNorm = Torch.Torch.Full([n], double.PositiveInfinity, DType.Float64);
        var pending = context.NotYetAdversarial(inputs, criterion);
        if (pending.Size(0) == 0)
        {
            return outer.Keep(best);
        }

        for (var direction = 0; direction < Options.Directions; direction++)
        {
            using var scope = TensorScope.Begin();
            var raw = Options.Distribution == NoiseDistribution.Gaussian
                ? Torch.Torch.Randn(inputs.Shape, context.Generator, inputs.DType)
                : Torch.Torch.Rand(inputs.Shape, context.Generator, inputs.DType).Mul(2).Sub(1);
            var unit = Norm.L2.SteepestAscent(raw);
            var active = pending;
            for (var step = 1; step <= Options.Steps && active.Size(0) > 0; step++)
            {
                var epsilon = maxNorm * step / Options.Steps;
                var x = inputs.IndexSelect(0, active);
                var candidate = x.Add(unit.IndexSelect(0, active).Mul(epsilon)).Clamp(bounds.Low, bounds.High);
                var found = criterion.Select(active).IsAdversarial(context.Logits(candidate));
                if (!found.Any().ToBoolean())
                {
                    continue;
                }

                // the norm actually used after clipping; keep it where it beats this input's best so far
                var hits = active.MaskedSelect(found);
                var hitCandidates = candidate.IndexSelect(0, found.Nonzero().Squeeze(1));
                var hitNorms = Norm.Measure(hitCandidates.Sub(inputs.IndexSelect(0, hits))).Double();
                var better = hitNorms.Lt(bestNorm.IndexSelect(0, hits));
                if (better.Any().ToBoolean())
                {
                    var winners = hits.MaskedSelect(better);
                    var winnerIndex = better.Nonzero().Squeeze(1);
                    var updatedBest = best.IndexCopy(0, winners, hitCandidates.IndexSelect(0, winnerIndex));
                    var updatedNorms = bestNorm.IndexCopy(0, winners, hitNorms.IndexSelect(0, winnerIndex));
                    best.Dispose();
                    bestNorm.Dispose();
                    best = scope.Release(updatedBest);
                    bestNorm = scope.Release(updatedNorms);
                }

                active = active.MaskedSelect(found.LogicalNot());
            }
        }

        bestNorm.Dispose();
        return outer.Keep(best);
    }
}
