using System.Globalization;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// Jacobian regularization: <c>loss = CE(f(x), y) + λ·R</c> with R a norm of the Jacobian <c>J_b = ∂z(x_b)/∂x_b</c> of
/// the logits z (or of the penultimate activations) with respect to the input, as the model consumes it. Two methods
/// share it, and differ in the norm (<see cref="JacobianNorm"/>) and in how J is evaluated (<see cref="Projections"/>):
/// <list type="bullet">
/// <item><description>Jakubovitz &amp; Giryes, "Improving DNN robustness to adversarial attacks using Jacobian
/// regularization" (ECCV 2018), eq. 6: <c>R = ‖J‖_F = sqrt(Σ_b Σ_k Σ_d (∂z_k(x_b)/∂x_d)²)</c>, exact, not squared
/// (<see cref="Jakubovitz"/>, name <c>jacobian</c>, λ = 0.1). Their code takes the Jacobian rows of the flattened
/// logits' first K entries, so only the batch's first sample counts: <see cref="FirstSampleOnly"/> reproduces that.
/// </description></item>
/// <item><description>Hoffman, Roberts &amp; Yaida, "Robust learning with Jacobian regularization" (2019),
/// <c>JacobianReg(n)</c>: <c>R = ½·C/(n·B)·Σ_p ‖Jᵀv_p‖²</c> with, per sample, v_b = g_b/‖g_b‖ and g_b ~ N(0, I_C): an
/// unbiased estimate of <c>½·mean_b ‖J_b‖²_F</c> from n backward passes instead of C (<see cref="Hoffman"/>, name
/// <c>jacobian-projection</c>, n = 1, λ = 0.01); n = <see cref="Exact"/> takes one-hot v, the exact value.
/// </description></item>
/// </list>
/// Both are double backprop: each <c>Jᵀv</c> is an input gradient built with <c>createGraph</c>, so the parameter
/// gradient of R is exact. The exact Jacobian costs one backward pass per output (K for the logits): one
/// <c>autograd.grad</c> per class over the whole batch, as the reference. (A single backward over the batch replicated
/// K times with one-hot gradient outputs computes the same but was slower on the CPU: LeNet-5, batch 128, 2 threads,
/// 1170 against 740 ms per training step, since it adds a forward pass of K·B images.)
/// <para>
/// Samples must not interact in the forward pass (no batch norm in training mode), or <c>Jᵀv</c> mixes the samples'
/// Jacobians, as it does in both references. With <see cref="JacobianNorm.Frobenius"/> the gradient of sqrt at a zero
/// Jacobian is undefined, as in the reference (tf.norm).
/// </para>
/// <example><code>
/// var objective = JacobianRegularizer.Jakubovitz(0.1);                // CE + 0.1·‖J‖_F
/// var hoffman = JacobianRegularizer.Hoffman(0.01, projections: 1);    // CE + 0.01·½·C·‖Jᵀv‖²/B
/// </code></example>
/// </summary>
public sealed class JacobianRegularizer : Regularizer, IDisposable
{
    /// <summary>The value of <see cref="Projections"/> that evaluates the Jacobian exactly (one-hot directions).</summary>
    public const int Exact = -1;

    private readonly Generator? generator;

    /// <param name="weight">λ (finite, non-negative).</param>
    /// <param name="norm">How the squared norms become R.</param>
    /// <param name="projections">n random projections per step, or <see cref="Exact"/>.</param>
    /// <param name="layer">The logits, or the input of the last Linear layer.</param>
    /// <param name="firstSampleOnly">Only the batch's first sample contributes (Jakubovitz's reference code).</param>
    /// <param name="seed">Seed of the projections' directions (one stream across steps).</param>
    /// <exception cref="ArgumentOutOfRangeException">A bad weight, norm, layer, or a projection count below 1 other than <see cref="Exact"/>.</exception>
    public JacobianRegularizer(double weight = 0.1, JacobianNorm norm = JacobianNorm.Frobenius, int projections = Exact,
        JacobianLayer layer = JacobianLayer.Logits, bool firstSampleOnly = false, ulong seed = 0)
        : base(weight)
    {
        if (projections != Exact && projections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(projections), projections, $"projections must be at least 1, or {Exact} for the exact Jacobian");
        }

        if (!Enum.IsDefined(norm))
        {
            throw new ArgumentOutOfRangeException(nameof(norm), norm, "unknown Jacobian norm");
        }

        if (!Enum.IsDefined(layer))
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, "unknown Jacobian layer");
        }

        Norm = norm;
        Projections = projections;
        Layer = layer;
        FirstSampleOnly = firstSampleOnly;
        Seed = seed;
        generator = projections == Exact ? null : new Generator(seed);
    }

    /// <summary>Jakubovitz &amp; Giryes: <c>CE + λ·‖J‖_F</c>, exact, over the whole batch unless <paramref name="firstSampleOnly"/>.</summary>
    public static JacobianRegularizer Jakubovitz(double weight = 0.1, bool firstSampleOnly = false, JacobianLayer layer = JacobianLayer.Logits) =>
        new(weight, JacobianNorm.Frobenius, Exact, layer, firstSampleOnly);

    /// <summary>Hoffman et al.'s <c>JacobianReg(n)</c>: <c>CE + λ·½·C/(n·B)·Σ_p ‖Jᵀv_p‖²</c> (n = <see cref="Exact"/>: ½·mean_b ‖J_b‖²_F).</summary>
    public static JacobianRegularizer Hoffman(double weight = 0.01, int projections = 1, ulong seed = 0, JacobianLayer layer = JacobianLayer.Logits) =>
        new(weight, JacobianNorm.HalfMeanSquared, projections, layer, firstSampleOnly: false, seed);

    /// <summary>How the squared norms become the penalty.</summary>
    public JacobianNorm Norm { get; }

    /// <summary>Random projections per step (Hoffman's n), or <see cref="Exact"/>.</summary>
    public int Projections { get; }

    /// <summary>The layer whose Jacobian is penalised.</summary>
    public JacobianLayer Layer { get; }

    /// <summary>Whether only the batch's first sample contributes (the batch size in R is then 1).</summary>
    public bool FirstSampleOnly { get; }

    /// <summary>Seed of the projections' random directions.</summary>
    public ulong Seed { get; }

    /// <summary><c>jacobian</c> for the Frobenius form, <c>jacobian-projection</c> for Hoffman's.</summary>
    public override string Name => Norm == JacobianNorm.Frobenius ? "jacobian" : "jacobian-projection";

    /// <inheritdoc/>
    public override bool NeedsInputGradient => true;

    /// <summary>
    /// R on the batch: the Jacobian of <c>batch.Logits</c> (or of the last Linear layer's input, recomputed from the
    /// inputs) with respect to <c>batch.Inputs</c>, which must require gradients.
    /// </summary>
    /// <exception cref="ArgumentException">The inputs do not require gradients, the penalised layer is not [B, C], or the model has no last Linear layer.</exception>
    public override Tensor Penalty(RegularizerBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!batch.Inputs.RequiresGrad)
        {
            throw new ArgumentException("the inputs must require gradients for a Jacobian penalty", nameof(batch));
        }

        using var scope = TensorScope.Begin();
        var inputs = batch.Inputs;
        Tensor outputs;
        if (FirstSampleOnly && inputs.Size(0) > 1 && !UsesBatchStatistics(batch.Model))
        {
            // The first sample's Jacobian alone: a forward pass of that one image costs 1/B of K backward passes
            // through the whole batch. A dropout layer draws that image a new mask; either mask is an equally likely draw.
            inputs = inputs.Narrow(0, 0, 1);
            outputs = Layer == JacobianLayer.Logits ? batch.Model.Forward(inputs) : PenultimateActivations(batch.Model, inputs);
        }
        else
        {
            outputs = Layer == JacobianLayer.Logits ? batch.Logits : PenultimateActivations(batch.Model, inputs);
        }

        if (outputs.Dim != 2)
        {
            throw new ArgumentException(
                $"the penalised layer must be [batch, features], not [{string.Join(", ", outputs.Shape)}]", nameof(batch));
        }

        var samples = FirstSampleOnly ? 1 : outputs.Size(0);
        var squared = Projections == Exact
            ? ExactSquaredNorm(outputs, inputs, samples)
            : ProjectedSquaredNorm(outputs, inputs, samples);
        var penalty = Norm == JacobianNorm.Frobenius ? squared.Sqrt() : squared.Mul(0.5 / samples);
        return scope.Keep(penalty);
    }

    /// <summary>Whether a layer of <paramref name="model"/> normalises with the batch's own statistics (batch norm in training mode).</summary>
    private static bool UsesBatchStatistics(Module model) =>
        model.NamedModules().Any(m => m.Value is BatchNorm { Training: true });

    /// <summary>
    /// The input of <paramref name="model"/>'s last <see cref="Linear"/> layer on <paramref name="inputs"/>: the layers
    /// before it, run in order (descending into nested <see cref="Sequential"/>s). A new tensor the caller owns.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no Linear layer reachable through Sequentials.</exception>
    public static Tensor PenultimateActivations(Module model, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        var before = new List<Module>();
        FindLastLinear(model, before);
        return Sequential.Chain(before, inputs);
    }

    /// <summary>
    /// Fixes <paramref name="model"/>'s last Linear layer as in Jakubovitz &amp; Giryes's Appendix B: its weight (K×h,
    /// PyTorch's layout of their W⁽ᴸ⁾ᵀ) becomes a random matrix with orthonormal rows, W·Wᵀ = I_K, drawn from
    /// <paramref name="seed"/>; its bias becomes zero; and neither requires gradients any more, so optimizers skip them.
    /// </summary>
    /// <returns>The fixed layer.</returns>
    /// <exception cref="ArgumentException">The model has no Linear layer, or the layer has more outputs than inputs (K &gt; h).</exception>
    public static Linear FixLastLayerOrthonormal(Sequential model, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        var last = FindLastLinear(model, []);
        var (rows, columns) = (last.OutFeatures, last.InFeatures);
        if (rows > columns)
        {
            throw new ArgumentException(
                $"a {rows}×{columns} weight cannot have orthonormal rows: the last Linear layer has more outputs than inputs", nameof(model));
        }

        double[] values;
        using (var generator = new Generator(seed))
        using (var draw = Torch.Torch.Randn([rows, columns], generator, DType.Float64))
        {
            values = draw.ToArray<double>();
        }

        OrthonormalizeRows(values, (int)rows, (int)columns);
        using var noGrad = Autograd.NoGrad();
        using var source = Torch.Torch.FromArray(values, [rows, columns]);
        using var typed = source.To(last.Weight.DType, last.Weight.Device);
        last.Weight.Copy_(typed);
        last.Weight.Grad = null;
        last.Weight.RequiresGrad = false;
        if (last.Bias is { } bias)
        {
            bias.Zero_();
            bias.Grad = null;
            bias.RequiresGrad = false;
        }

        return last;
    }

    /// <summary>Frees the projections' generator.</summary>
    public void Dispose() => generator?.Dispose();

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"JacobianRegularizer(λ={Weight}, {Norm}, projections={(Projections == Exact ? "exact" : Projections)}, {Layer}{(FirstSampleOnly ? ", first sample only" : "")})");

    /// <summary>S = Σ_b ‖J_b‖²_F over the first <paramref name="samples"/> rows, one backward pass per output.</summary>
    private static Tensor ExactSquaredNorm(Tensor outputs, Tensor inputs, long samples)
    {
        var (rows, width) = (outputs.Size(0), outputs.Size(1));
        Tensor? sum = null;
        for (var k = 0; k < width; k++)
        {
            // Jᵀe_k: row b of the result is ∂z_k(x_b)/∂x_b, since samples do not interact.
            var direction = Torch.Torch.Zeros([rows, width], outputs.DType, outputs.Device);
            direction.Narrow(0, 0, samples).Narrow(1, k, 1).Fill_(1);
            var column = Autograd.Grad(outputs, inputs, direction, createGraph: true);
            var squared = column.Square().Sum();
            sum = sum is null ? squared : sum.Add(squared);
        }

        return sum!;
    }

    /// <summary>Hoffman's estimate of S: C/n·Σ_p ‖Jᵀv_p‖², v_b uniform on the unit sphere per sample.</summary>
    private Tensor ProjectedSquaredNorm(Tensor outputs, Tensor inputs, long samples)
    {
        var (rows, width) = (outputs.Size(0), outputs.Size(1));
        Tensor? sum = null;
        for (var p = 0; p < Projections; p++)
        {
            var gaussian = Torch.Torch.Randn([rows, width], generator, outputs.DType, outputs.Device);
            var direction = gaussian.Div(gaussian.Norm(2, 1, keepDim: true));
            if (samples < rows)
            {
                direction.Narrow(0, samples, rows - samples).Zero_();
            }

            var projection = Autograd.Grad(outputs, inputs, direction, createGraph: true);
            var squared = projection.Square().Sum();
            sum = sum is null ? squared : sum.Add(squared);
        }

        // E[v vᵀ] = I/C for v uniform on the sphere, so C·E‖Jᵀv‖² = ‖J‖²_F.
        return sum!.Mul((double)width / Projections);
    }

    private static Linear FindLastLinear(Module model, List<Module> before) =>
        model switch
        {
            Linear linear => linear,
            Sequential sequential => TryFindLastLinear(sequential, before)
                ?? throw new ArgumentException("the model has no Linear layer (reachable through Sequentials)", nameof(model)),
            _ => throw new ArgumentException($"the penultimate layer is found in a Sequential model, not in a {model.GetType().Name}", nameof(model)),
        };

    /// <summary>The last Linear layer in <paramref name="sequential"/>, adding the modules that run before it to <paramref name="before"/>.</summary>
    private static Linear? TryFindLastLinear(Sequential sequential, List<Module> before)
    {
        for (var i = sequential.Count - 1; i >= 0; i--)
        {
            var inner = new List<Module>();
            var found = sequential[i] switch
            {
                Linear linear => linear,
                Sequential nested => TryFindLastLinear(nested, inner),
                _ => null,
            };
            if (found is not null)
            {
                before.AddRange(sequential.Layers.Take(i));
                before.AddRange(inner);
                return found;
            }
        }

        return null;
    }

    /// <summary>Modified Gram–Schmidt, applied twice (row-major <paramref name="rows"/>×<paramref name="columns"/>).</summary>
    private static void OrthonormalizeRows(double[] values, int rows, int columns)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = 0; i < rows; i++)
            {
                var row = values.AsSpan(i * columns, columns);
                for (var j = 0; j < i; j++)
                {
                    var previous = values.AsSpan(j * columns, columns);
                    var dot = 0.0;
                    for (var c = 0; c < columns; c++)
                    {
                        dot += row[c] * previous[c];
                    }

                    for (var c = 0; c < columns; c++)
                    {
                        row[c] -= dot * previous[c];
                    }
                }

                var norm = 0.0;
                for (var c = 0; c < columns; c++)
                {
                    norm += row[c] * row[c];
                }

                norm = Math.Sqrt(norm);
                for (var c = 0; c < columns; c++)
                {
                    row[c] /= norm;
                }
            }
        }
    }
}
