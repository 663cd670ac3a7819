namespace Bulwark.Torch.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba, 2015) with optional AMSGrad, with the update of PyTorch 1.13's <c>torch.optim.Adam</c>
/// (single-tensor path; weight decay is L2 added to the gradient, not AdamW's decoupled decay). At step t:
/// <code>
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v)  (AMSGrad; the denominator then uses v̂)
/// θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// State per parameter: <c>exp_avg</c> (m), <c>exp_avg_sq</c> (v), <c>max_exp_avg_sq</c> (v̂, AMSGrad only), step t.
/// </summary>
public sealed class Adam : Optimizer
{
    internal const string ExpAvg = "exp_avg";
    internal const string ExpAvgSq = "exp_avg_sq";
    internal const string MaxExpAvgSq = "max_exp_avg_sq";

    /// <summary>One group of <paramref name="parameters"/> with <paramref name="options"/> (PyTorch's defaults if null).</summary>
    public Adam(IEnumerable<Tensor> parameters, AdamOptions? options = null)
        : this([new ParameterGroup(parameters, options ?? new AdamOptions())])
    {
    }

    /// <summary>Several groups, each with its own <see cref="AdamOptions"/>.</summary>
    public Adam(IEnumerable<ParameterGroup> parameterGroups)
        : base(parameterGroups)
    {
    }

    protected override void ValidateOptions(OptimizerOptions options)
    {
        var o = CheckCommonOptions<AdamOptions>(options);
        Require(o.Eps >= 0, $"invalid epsilon: {o.Eps}");
        Require(o.Beta1 is >= 0 and < 1, $"invalid beta parameter at index 0: {o.Beta1}");
        Require(o.Beta2 is >= 0 and < 1, $"invalid beta parameter at index 1: {o.Beta2}");
    }

    protected override string? CheckState(ParameterState state, OptimizerOptions options) =>
        !state.TryGetBuffer(ExpAvg, out _) ? $"lacks '{ExpAvg}'"
        : !state.TryGetBuffer(ExpAvgSq, out _) ? $"lacks '{ExpAvgSq}'"
        : null;

    protected override void Update(Tensor parameter, Tensor gradient, OptimizerOptions options, ParameterState state)
    {
        var o = (AdamOptions)options;
        using var adjusted = AdjustGradient(parameter, gradient, o);
        var g = adjusted ?? gradient;
        var expAvg = state.GetOrAddZeros(ExpAvg, parameter);
        var expAvgSq = state.GetOrAddZeros(ExpAvgSq, parameter);

        // PyTorch 1.13 spells the running means as mul_ + add_/addcmul_ (2.x uses lerp_, which rounds differently).
        expAvg.Mul_(o.Beta1).Add_(g, 1 - o.Beta1);
        expAvgSq.Mul_(o.Beta2).Addcmul_(g, g, 1 - o.Beta2);

        double step = state.Step;
        var biasCorrection1 = 1 - Math.Pow(o.Beta1, step);
        var biasCorrection2 = 1 - Math.Pow(o.Beta2, step);
        var stepSize = o.LearningRate / biasCorrection1;
        var biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);

        var secondMoment = expAvgSq;
        if (o.AmsGrad)
        {
            // Made on demand, so AMSGrad may also be switched on for a group that already took steps.
            secondMoment = state.GetOrAddZeros(MaxExpAvgSq, parameter).Maximum_(expAvgSq);
        }

        using var root = secondMoment.Sqrt();
        using var denominator = root.Div(biasCorrection2Sqrt).Add_(o.Eps);
        parameter.Addcdiv_(expAvg, denominator, -stepSize);
    }
}
