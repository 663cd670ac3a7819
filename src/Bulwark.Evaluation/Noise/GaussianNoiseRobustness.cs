using System.Text.Json.Serialization;
using Bulwark.Attacks;
using Bulwark.Data;
using Bulwark.Torch;

namespace Bulwark.Evaluation;

/// <summary>
/// GNR, the Gaussian-noise robustness of the analytical-moment regularizer paper (Alfadly, Bibi, Ghanem;
/// network_moments <c>Classifier.gaussian_robustness</c>, METHODS §1), exactly as the reference computes it:
/// <list type="number">
/// <item>the clean prediction of every input (labels are ignored: "accuracy" is agreement with it);</item>
/// <item>σ_i in linspace(0, 0.5, 30) (float32, as <c>torch.linspace</c>), tol = (σ₁ − σ₀)/2;</item>
/// <item>one generator seeded once (seed 0) before the σ loop; for each σ_i, for each batch in order, ring noise
/// per input: z ~ N(0, I), s ~ U(σ_i·r − tol, σ_i·r + tol), noise = z·s·√n/‖z‖₂ (so ‖noise‖₂ = |s|·√n; at σ = 0 the
/// noise is small, not zero);</item>
/// <item>agreement(σ_i) = #[argmax f(x + noise) = clean prediction] / N, with <b>no clipping</b> to any box;</item>
/// <item>GNR = trapz(agreement, σ) / (σ_max − σ_min), a normalised area in [0, 1].</item>
/// </list>
/// Random numbers come from libtorch's CPU generator (then moved), so a seed gives the same noise on every device;
/// the reference draws from the evaluation device's generator, so on CUDA its stream differs.
/// <code>
/// var gnr = GaussianNoiseRobustness.Measure(model, testImages);   // gnr.Gnr, gnr.Sigmas, gnr.Agreement
/// </code>
/// </summary>
/// <param name="Gnr">Normalised area under the agreement curve, in [0, 1].</param>
/// <param name="Sigmas">The σ grid (before multiplying by r).</param>
/// <param name="Agreement">Fraction of inputs whose noisy prediction equals the clean one, at each σ.</param>
/// <param name="InputRange">The r σ was multiplied by.</param>
/// <param name="Seed">The generator's seed.</param>
/// <param name="Total">Inputs evaluated.</param>
public sealed record GaussianNoiseRobustness(
    [property: JsonPropertyName("gnr")] double Gnr,
    [property: JsonPropertyName("sigmas")] IReadOnlyList<double> Sigmas,
    [property: JsonPropertyName("agreement")] IReadOnlyList<double> Agreement,
    [property: JsonPropertyName("input_range")] double InputRange,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("total")] int Total)
{
    /// <summary>
    /// GNR of <paramref name="logits"/> (inputs [B, ...] → logits [B, K]; the caller puts a network in evaluation
    /// mode) at <paramref name="inputs"/> [N, ...], cut into batches of <see cref="GaussianNoiseRobustnessOptions.BatchSize"/>
    /// in order. The noise is added to the inputs as given: to reproduce the reference on standardised data, pass the
    /// network and standardised inputs (and r = mean_c(1/std_c)), or raw inputs and
    /// <see cref="GaussianNoiseRobustnessOptions.Std"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The inputs are not a non-empty floating-point batch, or the options are invalid.</exception>
    public static GaussianNoiseRobustness Measure(Func<Tensor, Tensor> logits, Tensor inputs, GaussianNoiseRobustnessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        HostValues.CheckBatch(inputs, nameof(inputs));
        options ??= new GaussianNoiseRobustnessOptions();
        options.Validate();
        var n = inputs.Size(0);
        var size = options.BatchSize;
        IEnumerable<Tensor> Batches()
        {
            for (long start = 0; start < n; start += size)
            {
                yield return inputs.Narrow(0, start, Math.Min(size, n - start));
            }
        }

        return Run(logits, Batches, options);
    }

    /// <summary>GNR of <paramref name="model"/> (in evaluation mode), the noise added in its input space.</summary>
    public static GaussianNoiseRobustness Measure(AttackModel model, Tensor inputs, GaussianNoiseRobustnessOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var mode = model.EvaluationMode();
        return Measure(model.Logits, inputs, options);
    }

    /// <summary>
    /// GNR of <paramref name="model"/> (in evaluation mode) over <paramref name="data"/>'s images in order (labels
    /// unused), moved to <paramref name="device"/> (the CPU by default), the noise added in the model's input space.
    /// </summary>
    public static GaussianNoiseRobustness Measure(AttackModel model, TensorDataset data, GaussianNoiseRobustnessOptions? options = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0)
        {
            throw new ArgumentException("the dataset is empty", nameof(data));
        }

        options ??= new GaussianNoiseRobustnessOptions();
        options.Validate();
        var loader = new DataLoader(data, options.BatchSize, device: device);
        using var mode = model.EvaluationMode();
        return Run(model.Logits, () => loader.Select(batch => batch.Images), options);
    }

    /// <summary>trapz(y, x): the trapezoidal rule, as <c>numpy.trapz</c> / <c>torch.trapz</c>.</summary>
    internal static double Trapezoid(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var area = 0.0;
        for (var i = 1; i < x.Count; i++)
        {
            area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        }

        return area;
    }

    /// <summary>The σ grid as the reference makes it: a float32 <c>linspace</c>.</summary>
    internal static float[] SigmaGrid(GaussianNoiseRobustnessOptions options)
    {
        using var scope = TensorScope.Begin();
        return Torch.Torch.Linspace(options.MinSigma, options.MaxSigma, options.SigmaCount, DType.Float32).ToArray<float>();
    }

    private static GaussianNoiseRobustness Run(Func<Tensor, Tensor> logits, Func<IEnumerable<Tensor>> batches, GaussianNoiseRobustnessOptions options)
    {
        var grid = SigmaGrid(options);
        // float32 arithmetic as in the reference: (sigmas[1] - sigmas[0]) / 2 and sigma * input_range are float32 tensors
        var tolerance = (double)((grid[1] - grid[0]) / 2f);
        var inputRange = options.ResolvedInputRange;
        using var outer = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();

        var clean = new List<Tensor>();
        long total = 0;
        foreach (var batch in batches())
        {
            HostValues.CheckBatch(batch, "inputs");
            clean.Add(logits(batch).Argmax(1));
            total += batch.Size(0);
        }

        using var generator = new Generator(options.Seed);
        var agreement = new double[grid.Length];
        for (var i = 0; i < grid.Length; i++)
        {
            var sigma = (double)(grid[i] * (float)inputRange);
            long agreeing = 0;
            var index = 0;
            foreach (var batch in batches())
            {
                using var scope = TensorScope.Begin();
                var noise = RingNoise.Sample(batch, sigma, tolerance, generator);
                if (options.Std is { } std)
                {
                    noise = noise.Mul(ChannelScale(std, batch));
                }

                var predicted = logits(noise.Add(batch)).Argmax(1);
                agreeing += predicted.Eq(clean[index++]).Sum().ToInt64();
            }

            agreement[i] = (double)agreeing / total;
        }

        var sigmas = grid.Select(s => (double)s).ToArray();
        var gnr = Trapezoid(sigmas, agreement) / (sigmas[^1] - sigmas[0]);
        return new GaussianNoiseRobustness(gnr, sigmas, agreement, inputRange, options.Seed, checked((int)total));
    }

    /// <summary>std_c shaped [1, C, 1, …] to scale noise in a standardised space back to the input space.</summary>
    internal static Tensor ChannelScale(IReadOnlyList<double> std, Tensor like)
    {
        if (like.Dim < 2 || like.Size(1) != std.Count)
        {
            throw new ArgumentException($"{std.Count} std values for inputs of shape [{string.Join(", ", like.Shape)}] (channels in dimension 1)", nameof(std));
        }

        var shape = Enumerable.Repeat(1L, (int)like.Dim).ToArray();
        shape[1] = std.Count;
        using var scope = TensorScope.Begin();
        return scope.Keep(Torch.Torch.FromArray(std.ToArray(), shape).To(like.DType, like.Device));
    }
}
