using System.Globalization;
using Bulwark.Torch;

namespace Bulwark.Attacks;

/// <summary>Settings of <see cref="JacobianSaliencyMap"/>; the defaults are Papernot et al.'s for MNIST.</summary>
public sealed record SaliencyMapOptions
{
    /// <summary>
    /// γ (the paper's Υ): the largest fraction of the input's features the attack may change. 14.5%, the paper's MNIST
    /// budget, rather than torchattacks' 10%, so that results compare with the paper's.
    /// </summary>
    public double MaxDistortion { get; init; } = 0.145;

    /// <summary>
    /// θ: the change applied to each chosen feature, as a fraction of the box's width, clipped to the box. +1 (the
    /// paper's choice) sets a feature to the box's top, −1 to its bottom; the sign picks increasing or decreasing
    /// features, and with it the signs the saliency map asks of α and β.
    /// </summary>
    public double Theta { get; init; } = 1;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"γ={MaxDistortion}, θ={Theta}");
}

/// <summary>
/// The Jacobian-based saliency map attack (Papernot et al., "The Limitations of Deep Learning in Adversarial Settings",
/// EuroS&amp;P 2016, Algorithm 3): a targeted ℓ0 attack that changes two features per iteration. With the Jacobian of the
/// logits Z, α_pq = Σ_{i∈{p,q}} ∂Z_t/∂x_i and β_pq = Σ_{i∈{p,q}} Σ_{j≠t} ∂Z_j/∂x_i, it picks the pair in the search
/// domain maximising −α·β with α &gt; 0 and β &lt; 0 (θ &gt; 0; α &lt; 0 and β &gt; 0 when θ &lt; 0), moves both by θ·width,
/// and takes them out of the domain, as the paper does; the domain starts as the features that can still move in θ's
/// direction. An input stops once it meets the criterion, when no pair qualifies, or after ⌊γ·n/2⌋ iterations, so at
/// most γ·n of its n features change. Untargeted criteria steer towards the class with the second-largest logit of
/// the original input (the closest class by the logits; deterministic, where torchattacks draws one at random) and
/// stop as soon as the label is lost. Norm ℓ0 (each value counts, channels separately, as the paper's features);
/// inputs [N, ...] in the model's box. Each iteration takes two backward passes (∂Z_t/∂x and ∂ΣZ/∂x; β is their
/// difference), not one per class, and the O(n²) pair search runs as one native loop per input on the CPU (in chunks of
/// the batch as tensor operations elsewhere). Inputs for which nothing was found are returned unchanged.
/// <code>var result = new JacobianSaliencyMap().Run(model, x, new TargetedMisclassification(targets));</code>
/// </summary>
public sealed class JacobianSaliencyMap : MinimumNormAttack
{
    // elements of one [chunk, n, n] pair-score tensor: 16 M floats is 64 MB, and the search holds a few such tensors
    private const long PairScoreElements = 16L << 20;

    public JacobianSaliencyMap(SaliencyMapOptions? options = null)
    {
        Options = options ?? new SaliencyMapOptions();
        if (!(Options.MaxDistortion is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.MaxDistortion, "γ (MaxDistortion) must be in (0, 1]");
        }

        if (!(Options.Theta is >= -1 and <= 1) || Options.Theta == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Theta, "θ (Theta) must be in [−1, 1] and not 0");
        }
    }

    public SaliencyMapOptions Options { get; }

    public override Norm Norm => Norm.L0;

    public override string Name => "jsma";

    protected override Tensor RunCore(AttackContext context, Tensor inputs, Criterion criterion) =>
        OnRemainingInputs(context, inputs, criterion, (x, attacked) => AttackRemaining(context, x, attacked));

    /// <summary>Algorithm 3 on inputs that do not meet the criterion yet.</summary>
    private Tensor AttackRemaining(AttackContext context, Tensor x, Criterion criterion)
    {
        using var outer = TensorScope.Begin();
        var bounds = context.Model.Bounds;
        var increase = Options.Theta > 0;
        var count = x.Size(0);
        var features = x.NumberOfElements / count;
        var targets = criterion.IsTargeted ? criterion.Labels : RunnerUp(context, x, criterion.Labels);
        var adversarial = x.Flatten(1).Clone();
        // the search domain Γ: features that can still move in θ's direction
        var domain = increase ? adversarial.Lt(bounds.High) : adversarial.Gt(bounds.Low);
        var active = Torch.Torch.Arange(count).To(DType.Int64, x.Device);
        var iterations = (long)Math.Floor(Options.MaxDistortion * features / 2);
        var sampleShape = x.Shape;
        for (var iteration = 0; iteration < iterations && active.Size(0) > 0; iteration++)
        {
            using var step = TensorScope.Begin();
            sampleShape[0] = active.Size(0);
            var current = adversarial.IndexSelect(0, active).View(sampleShape);
            var (logits, target, others) = context.TargetLogitGradients(current, targets.IndexSelect(0, active));
            var working = criterion.Select(active).IsAdversarial(logits).LogicalNot();
            var (pairs, found) = BestPairs(target.Flatten(1), others.Flatten(1), domain.IndexSelect(0, active), increase);

            // inputs that met the criterion are done; those with no admissible pair have failed
            var keep = working.LogicalAnd(found).Nonzero().Squeeze(1);
            var rows = active.IndexSelect(0, keep);
            var chosen = pairs.IndexSelect(0, keep);
            var moved = adversarial.IndexSelect(0, rows);
            var values = moved.Gather(1, chosen).Add(Options.Theta * bounds.Width).Clamp(bounds.Low, bounds.High);
            step.Carry(ref adversarial, adversarial.IndexCopy(0, rows, moved.Scatter(1, chosen, values)));
            step.Carry(ref domain, domain.IndexCopy(0, rows, domain.IndexSelect(0, rows).Scatter(1, chosen, 0)));
            step.Carry(ref active, rows);
        }

        var proposals = adversarial.View(x.Shape);
        var succeeded = criterion.IsAdversarial(context.Logits(proposals));
        return outer.Keep(Torch.Torch.Where(Norm.PerSample(succeeded, x), proposals, x));
    }

    /// <summary>The class with the largest logit other than the label, per input.</summary>
    private static Tensor RunnerUp(AttackContext context, Tensor x, Tensor labels)
    {
        using var scope = TensorScope.Begin();
        var logits = context.Logits(x);
        return scope.Keep(logits.Scatter(1, labels.Unsqueeze(1), double.NegativeInfinity).Argmax(1));
    }

    /// <summary>
    /// The saliency map over feature pairs (Algorithm 3): for each row, the pair p ≠ q of the domain maximising −α·β
    /// under the sign conditions, as int64 [rows, 2], and whether any pair qualified, bool [rows]. On the CPU one
    /// native loop (<see cref="SaliencyPairs"/>); elsewhere <see cref="BestPairsComposite"/>.
    /// </summary>
    internal static (Tensor Pairs, Tensor Found) BestPairs(Tensor alpha, Tensor beta, Tensor domain, bool increase) =>
        alpha.Device.Type == DeviceType.Cpu ? SaliencyPairs.Best(alpha, beta, domain, increase) : BestPairsComposite(alpha, beta, domain, increase);

    /// <summary>
    /// <see cref="BestPairs"/> as tensor operations, in chunks of rows so that a [chunk, n, n] score tensor holds at
    /// most <see cref="PairScoreElements"/> values.
    /// </summary>
    internal static (Tensor Pairs, Tensor Found) BestPairsComposite(Tensor alpha, Tensor beta, Tensor domain, bool increase)
    {
        using var scope = TensorScope.Begin();
        var rows = alpha.Size(0);
        var n = alpha.Size(1);
        var chunk = Math.Max(1, PairScoreElements / (n * n));
        var distinct = Torch.Torch.Eye(n, dtype: alpha.DType, device: alpha.Device).Eq(0);
        var sign = increase ? 1.0 : -1.0;
        var pairs = new List<Tensor>();
        var found = new List<Tensor>();
        for (long start = 0; start < rows; start += chunk)
        {
            using var part = TensorScope.Begin();
            var length = Math.Min(chunk, rows - start);
            var a = alpha.Narrow(0, start, length).Mul(sign);
            var b = beta.Narrow(0, start, length).Mul(sign);
            var inDomain = domain.Narrow(0, start, length);
            // sums over the pair, [chunk, n, n]; with the sign folded in, both directions ask for A > 0 and B < 0
            var pairAlpha = a.Unsqueeze(2).Add(a.Unsqueeze(1));
            var pairBeta = b.Unsqueeze(2).Add(b.Unsqueeze(1));
            var admissible = pairAlpha.Gt(0).LogicalAnd(pairBeta.Lt(0))
                .LogicalAnd(inDomain.Unsqueeze(2).LogicalAnd(inDomain.Unsqueeze(1)))
                .LogicalAnd(distinct);
            // −α·β is positive exactly on admissible pairs, so 0 marks the others
            var score = pairAlpha.Mul(pairBeta).Neg().Mul(admissible.To(alpha.DType));
            var (best, index) = score.Flatten(1).Max(1);
            var p = index.To(DType.Float64).Div(n).Floor().To(DType.Int64);
            var q = index.Sub(p.Mul(n));
            pairs.Add(part.Keep(Torch.Torch.Stack([p, q], 1)));
            found.Add(part.Keep(best.Gt(0)));
        }

        return (scope.Keep(Torch.Torch.Cat(pairs)), scope.Keep(Torch.Torch.Cat(found)));
    }
}
