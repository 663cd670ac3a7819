namespace Bulwark.Torch.Optim;

/// <summary>
/// RMSprop (Hinton's lecture 6e; centered variant of Graves, 2013), with the update of PyTorch 1.13's
/// <c>torch.optim.RMSprop</c> (single-tensor path):
/// <code>
/// s ← α·s + (1 − α)·g²
/// a ← α·a + (1 − α)·g,  d = √(s − a²) + ε   (centered)   or   d = √s + ε
/// b ← μ·b + g/d,  θ ← θ − lr·b              (momentum μ &gt; 0)  or   θ ← θ − lr·g/d
/// </code>
/// State per parameter: <c>square_avg</c> (s), <c>grad_avg</c> (a, centered only), <c>momentum_buffer</c> (b, momentum only).
/// </summary>
public sealed class RMSprop : Optimizer
{
    internal const string SquareAvg = "square_avg";
    internal const string GradAvg = "grad_avg";
    internal const string MomentumBuffer = "momentum_buffer";

    /// <summary>One group of <paramref name="parameters"/> with <paramref name="options"/> (PyTorch's defaults if null).</summary>
    public RMSprop(IEnumerable<Tensor> parameters, RMSpropOptions? options = null)
        : this([new ParameterGroup(parameters, options ?? new RMSpropOptions())])
    {
    }

    /// <summary>Several groups, each with its own <see cref="RMSpropOptions"/>.</summary>
    public RMSprop(IEnumerable<ParameterGroup> parameterGroups)
        : base(parameterGroups)
    {
    }

    protected override void ValidateOptions(OptimizerOptions options)
    {
        var o = CheckCommonOptions<RMSpropOptions>(options);
        Require(o.Eps >= 0, $"invalid epsilon: {o.Eps}");
        Require(o.Momentum >= 0, $"invalid momentum: {o.Momentum}");
        Require(o.Alpha >= 0, $"invalid alpha: {o.Alpha}");
    }

    protected override string? CheckState(ParameterState state, OptimizerOptions options)
    {
        var o = (RMSpropOptions)options;
        return !state.TryGetBuffer(SquareAvg, out _) ? $"lacks '{SquareAvg}'"
            : o.Centered && !state.TryGetBuffer(GradAvg, out _) ? $"lacks '{GradAvg}' (the group is centered)"
            : o.Momentum > 0 && !state.TryGetBuffer(MomentumBuffer, out _) ? $"lacks '{MomentumBuffer}' (the group has momentum)"
            : null;
    }

    protected override void Update(Tensor parameter, Tensor gradient, OptimizerOptions options, ParameterState state)
    {
        var o = (RMSpropOptions)options;
        using var adjusted = AdjustGradient(parameter, gradient, o);
        var g = adjusted ?? gradient;
        var squareAvg = state.GetOrAddZeros(SquareAvg, parameter);
        squareAvg.Mul_(o.Alpha).Addcmul_(g, g, 1 - o.Alpha);

        Tensor denominator;
        if (o.Centered)
        {
            var gradAvg = state.GetOrAddZeros(GradAvg, parameter);
            gradAvg.Mul_(o.Alpha).Add_(g, 1 - o.Alpha);
            denominator = squareAvg.Clone().Addcmul_(gradAvg, gradAvg, -1).Sqrt_();
        }
        else
        {
            denominator = squareAvg.Sqrt();
        }

        using (denominator)
        {
            denominator.Add_(o.Eps);
            if (o.Momentum > 0)
            {
                var buffer = state.GetOrAddZeros(MomentumBuffer, parameter);
                buffer.Mul_(o.Momentum).Addcdiv_(g, denominator);
                parameter.Add_(buffer, -o.LearningRate);
            }
            else
            {
                parameter.Addcdiv_(g, denominator, -o.LearningRate);
            }
        }
    }
}
