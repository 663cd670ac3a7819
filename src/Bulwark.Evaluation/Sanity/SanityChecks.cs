using System.Globalization;
using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Evaluation;

/// <summary>
/// Checks that an evaluation is not fooled by gradient masking or broken by a bug, as AutoAttack's <c>checks.py</c>
/// and ART's security-curve checks do. Each check returns the <see cref="SanityWarning"/>s it raises (none when it
/// passes):
/// <list type="bullet">
/// <item><see cref="EpsilonZero"/> ("eps-zero-accuracy"): robust accuracy at ε = 0 must be the clean accuracy;</item>
/// <item><see cref="Monotonic"/> ("non-monotonic"): robust accuracy must not rise with ε;</item>
/// <item><see cref="Unbounded(FixedEpsilonAttack, AttackModel, Tensor, Tensor, ulong)"/> ("unbounded-not-total"): at a radius whose ball holds the whole box a fixed-ε attack
/// must break every correctly classified input (the whole box is reachable, so a failure is the attack's);</item>
/// <item><see cref="Gradients"/> ("zero-gradient", "nan-gradient"): the loss gradient at the clean inputs must be
/// finite and non-zero, else gradient attacks are blind there;</item>
/// <item><see cref="NoiseBeatsGradient"/> ("noise-beats-gradient"): a black-box noise attack must not do better than
/// the gradient attacks at any ε.</item>
/// </list>
/// </summary>
public static class SanityChecks
{
    /// <summary>Robust accuracy at ε = 0 (where present in <paramref name="epsilons"/>) differs from <paramref name="cleanAccuracy"/> by more than <paramref name="tolerance"/>.</summary>
    public static IReadOnlyList<SanityWarning> EpsilonZero(string attack, IReadOnlyList<double> epsilons, IReadOnlyList<double> robustAccuracy,
        double cleanAccuracy, double tolerance = 1e-9)
    {
        CheckCurve(epsilons, robustAccuracy);
        var warnings = new List<SanityWarning>();
        for (var i = 0; i < epsilons.Count; i++)
        {
            if (epsilons[i] == 0 && Math.Abs(robustAccuracy[i] - cleanAccuracy) > tolerance)
            {
                warnings.Add(new SanityWarning("eps-zero-accuracy", Invariant(
                    $"{attack}: robust accuracy at ε = 0 is {robustAccuracy[i]:P2} but clean accuracy is {cleanAccuracy:P2}; the attack changes inputs it may not move (or the evaluation is not deterministic).")));
            }
        }

        return warnings;
    }

    /// <summary>Robust accuracy rises by more than <paramref name="tolerance"/> from a smaller ε to a larger one.</summary>
    public static IReadOnlyList<SanityWarning> Monotonic(string attack, IReadOnlyList<double> epsilons, IReadOnlyList<double> robustAccuracy,
        double tolerance = 1e-9)
    {
        CheckCurve(epsilons, robustAccuracy);
        var order = Enumerable.Range(0, epsilons.Count).OrderBy(i => epsilons[i]).ToArray();
        for (var a = 0; a < order.Length; a++)
        {
            for (var b = a + 1; b < order.Length; b++)
            {
                var (small, large) = (order[a], order[b]);
                if (epsilons[large] > epsilons[small] && robustAccuracy[large] > robustAccuracy[small] + tolerance)
                {
                    return [new SanityWarning("non-monotonic", Invariant(
                        $"{attack}: robust accuracy rises from {robustAccuracy[small]:P2} at ε = {epsilons[small]:G4} to {robustAccuracy[large]:P2} at ε = {epsilons[large]:G4}; a larger ball contains the smaller one, so the attack is failing to optimise (a sign of gradient masking)."))];
                }
            }
        }

        return [];
    }

    /// <summary>
    /// The radius of a <paramref name="norm"/>-ball around any point of <paramref name="bounds"/> that holds the whole
    /// box, for inputs of <paramref name="dimensions"/> values: the box's width in ℓ∞, width·√d in ℓ2, width·d in ℓ1.
    /// </summary>
    public static double UnboundedEpsilon(Norm norm, Bounds bounds, long dimensions)
    {
        ArgumentNullException.ThrowIfNull(norm);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        var width = bounds.High - bounds.Low;
        return norm.Name switch
        {
            "linf" => width,
            "l2" => width * Math.Sqrt(dimensions),
            "l1" => width * dimensions,
            "l0" or "pixel-l0" => dimensions,
            _ => throw new ArgumentException($"no unbounded radius known for {norm}", nameof(norm)),
        };
    }

    /// <summary>
    /// Runs <paramref name="attack"/> at the radius of <see cref="UnboundedEpsilon"/> on <paramref name="inputs"/> with
    /// ground-truth <paramref name="labels"/> and warns when it leaves some correctly classified input unbroken.
    /// </summary>
    public static IReadOnlyList<SanityWarning> Unbounded(FixedEpsilonAttack attack, AttackModel model, Tensor inputs, Tensor labels, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(attack);
        ArgumentNullException.ThrowIfNull(model);
        HostValues.CheckBatch(inputs, nameof(inputs));
        var epsilon = UnboundedEpsilon(attack.Norm, model.Bounds, inputs.NumberOfElements / inputs.Size(0));
        using var correct = Predictions.Correct(model, inputs, labels);
        using var result = attack.Run(model, inputs, new Misclassification(labels), [epsilon], seed);
        var rate = AttackSuccessRate.From(result.Success.Select(0, 0), correct);
        return Unbounded($"{attack.Name} ({attack.Norm})", epsilon, rate);
    }

    /// <summary>Warns when the success rate at an unbounded radius <paramref name="epsilon"/> is below 100%.</summary>
    public static IReadOnlyList<SanityWarning> Unbounded(string attack, double epsilon, AttackSuccessRate rate)
    {
        ArgumentNullException.ThrowIfNull(rate);
        if (rate.Correct == 0 || rate.Successful == rate.Correct)
        {
            return [];
        }

        return [new SanityWarning("unbounded-not-total", Invariant(
            $"{attack}: at ε = {epsilon:G4}, whose ball holds the whole input box, it broke only {rate.Successful} of {rate.Correct} correctly classified inputs ({rate.Rate:P2}); any attack that can reach every point should reach 100% (a sign of gradient masking)."))];
    }

    /// <summary>
    /// The cross-entropy gradient with respect to the inputs at the clean <paramref name="inputs"/> (AutoAttack's
    /// check): warns with the fraction of inputs whose gradient is exactly zero, and of those with a NaN or infinite
    /// entry. The model runs in evaluation mode; parameter gradients are untouched.
    /// </summary>
    public static IReadOnlyList<SanityWarning> Gradients(AttackModel model, Tensor inputs, Tensor labels, int batchSize = Predictions.DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        HostValues.CheckBatch(inputs, nameof(inputs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var n = inputs.Size(0);
        var truth = HostValues.Longs(labels, nameof(labels), n);
        using var mode = model.EvaluationMode();
        int zero = 0, notFinite = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = TensorScope.Begin();
            var count = Math.Min(batchSize, n - start);
            var x = inputs.Narrow(0, start, count).Detach().RequiresGrad_();
            var y = Torch.Torch.FromArray(truth.AsSpan((int)start, (int)count).ToArray(), count).To(inputs.Device);
            var loss = Functional.CrossEntropy(model.Logits(x), y, Reduction.Sum);
            var gradient = Autograd.Grad(loss, x).Flatten(1);
            var bad = gradient.IsFinite().LogicalNot().Any(1).ToArray<bool>();
            var empty = gradient.Abs().Sum(1).Eq(0).ToArray<bool>();
            notFinite += bad.Count(b => b);
            zero += empty.Where((e, i) => e && !bad[i]).Count();
        }

        var warnings = new List<SanityWarning>();
        if (zero > 0)
        {
            warnings.Add(new SanityWarning("zero-gradient", Invariant(
                $"the loss gradient is exactly zero at {zero} of {n} clean inputs ({(double)zero / n:P2}); gradient attacks cannot move them (a non-differentiable or saturated model: gradient masking)")));
        }

        if (notFinite > 0)
        {
            warnings.Add(new SanityWarning("nan-gradient", Invariant(
                $"the loss gradient is NaN or infinite at {notFinite} of {n} clean inputs ({(double)notFinite / n:P2}); gradient attacks are meaningless there")));
        }

        return warnings;
    }

    /// <summary>
    /// Warns at the first ε where the black-box <paramref name="noiseAttack"/> leaves a lower robust accuracy than
    /// the gradient attacks (their worst case) by more than <paramref name="tolerance"/>.
    /// </summary>
    public static IReadOnlyList<SanityWarning> NoiseBeatsGradient(string noiseAttack, IReadOnlyList<double> epsilons,
        IReadOnlyList<double> noiseRobustAccuracy, IReadOnlyList<double> gradientRobustAccuracy, double tolerance = 1e-9)
    {
        CheckCurve(epsilons, noiseRobustAccuracy);
        CheckCurve(epsilons, gradientRobustAccuracy);
        for (var i = 0; i < epsilons.Count; i++)
        {
            if (noiseRobustAccuracy[i] < gradientRobustAccuracy[i] - tolerance)
            {
                return [new SanityWarning("noise-beats-gradient", Invariant(
                    $"{noiseAttack} leaves {noiseRobustAccuracy[i]:P2} robust at ε = {epsilons[i]:G4}, below the gradient attacks' {gradientRobustAccuracy[i]:P2}; random noise should never beat gradients (a sign of gradient masking)"))];
            }
        }

        return [];
    }

    private static void CheckCurve(IReadOnlyList<double> epsilons, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(epsilons);
        ArgumentNullException.ThrowIfNull(values);
        if (epsilons.Count != values.Count)
        {
            throw new ArgumentException($"{values.Count} values for {epsilons.Count} epsilons");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
