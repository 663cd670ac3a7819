namespace Bulwark.Torch.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay, with the update
/// of PyTorch 1.13's <c>torch.optim.SGD</c> (single-tensor path). With gradient g (plus <c>λθ</c> under weight decay):
/// <code>
/// b ← g                       on the first step with momentum μ ≠ 0
/// b ← μ·b + (1 − τ)·g         afterwards
/// d = g + μ·b  (Nesterov)  or  d = b  (otherwise);  d = g without momentum
/// θ ← θ − lr·d
/// </code>
/// </summary>
public sealed class SGD : Optimizer
{
    internal const string MomentumBuffer = "momentum_buffer";

    /// <summary>One group of <paramref name="parameters"/> with <paramref name="options"/> (PyTorch's defaults if null).</summary>
    public SGD(IEnumerable<Tensor> parameters, SGDOptions? options = null)
        : this([new ParameterGroup(parameters, options ?? new SGDOptions())])
    {
    }

    /// <summary>Several groups, each with its own <see cref="SGDOptions"/>.</summary>
    public SGD(IEnumerable<ParameterGroup> parameterGroups)
        : base(parameterGroups)
    {
    }

    protected override void ValidateOptions(OptimizerOptions options)
    {
        var o = CheckCommonOptions<SGDOptions>(options);
        Require(o.Momentum >= 0, $"invalid momentum: {o.Momentum}");
        Require(!o.Nesterov || (o.Momentum > 0 && o.Dampening == 0), "Nesterov momentum requires a momentum and zero dampening");
    }

    protected override void Update(Tensor parameter, Tensor gradient, OptimizerOptions options, ParameterState state)
    {
        var o = (SGDOptions)options;
        using var adjusted = AdjustGradient(parameter, gradient, o);
        var direction = adjusted ?? gradient;
        if (o.Momentum == 0)
        {
            parameter.Add_(direction, -o.LearningRate);
            return;
        }

        if (state.TryGetBuffer(MomentumBuffer, out var buffer))
        {
            buffer.Mul_(o.Momentum).Add_(direction, 1 - o.Dampening);
        }
        else
        {
            buffer = direction.Clone();
            state.Add(MomentumBuffer, buffer);
        }

        if (o.Nesterov)
        {
            using var lookahead = direction.Add(buffer, o.Momentum);
            parameter.Add_(lookahead, -o.LearningRate);
        }
        else
        {
            parameter.Add_(buffer, -o.LearningRate);
        }
    }
}
