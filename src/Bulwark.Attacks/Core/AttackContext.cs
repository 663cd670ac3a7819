using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks;

/// <summary>What an attack works with while it runs: the model, a seeded generator, and a gradient counter.</summary>
public sealed class AttackContext : IDisposable
{
    internal AttackContext(AttackModel model, ulong seed)
    {
        Model = model;
        Generator = new Generator(seed);
    }

    public AttackModel Model { get; }

    /// <summary>The attack's own random stream (random starts, restarts, noise).</summary>
    public Generator Generator { get; }

    /// <summary>Per-sample gradient evaluations so far (a batch of n counts n).</summary>
    public long GradientEvaluations { get; private set; }

    /// <summary>Logits without recording a graph.</summary>
    public Tensor Logits(Tensor inputs)
    {
        using var noGrad = Autograd.NoGrad();
        return Model.Logits(inputs);
    }

    /// <summary>Indices (int64) of the inputs that do not meet the criterion yet: the ones an attack has to work on.</summary>
    public Tensor NotYetAdversarial(Tensor inputs, Criterion criterion)
    {
        using var scope = TensorScope.Begin();
        var adversarial = criterion.IsAdversarial(Logits(inputs));
        return scope.Keep(adversarial.LogicalNot().Nonzero().Squeeze(1));
    }

    /// <summary>
    /// The gradient of <c>loss(logits)</c> summed over the batch with respect to <paramref name="inputs"/>, with the
    /// logits at <paramref name="inputs"/> (detached). Because samples do not interact, row i is ∂loss_i/∂x_i.
    /// </summary>
    public (Tensor Logits, Tensor Gradient) LossGradient(Tensor inputs, Func<Tensor, Tensor> perSampleLoss)
    {
        using var scope = TensorScope.Begin();
        var x = inputs.Detach().RequiresGrad_();
        var logits = Model.Logits(x);
        var loss = perSampleLoss(logits).Sum();
        var gradient = Autograd.Grad(loss, x);
        GradientEvaluations += inputs.Size(0);
        return (scope.Keep(logits.Detach()), scope.Keep(gradient));
    }

    /// <summary>Cross-entropy gradient: ascends for an untargeted criterion, descends towards the target for a targeted one.</summary>
    public (Tensor Logits, Tensor Gradient) CrossEntropyGradient(Tensor inputs, Criterion criterion)
    {
        return LossGradient(inputs, logits =>
        {
            var ce = Functional.CrossEntropy(logits, criterion.Labels, Reduction.None);
            if (!criterion.IsTargeted)
            {
                return ce;
            }

            using (ce)
            {
                return ce.Neg();
            }
        });
    }

    /// <summary>
    /// Margin-loss gradient: ascends max_{k≠y} f_k − f_y (untargeted) or f_t − max_{k≠t} f_k (targeted), the C&amp;W
    /// margin; its sign says whether the input is adversarial, which makes it exact on affine models.
    /// </summary>
    public (Tensor Logits, Tensor Gradient) MarginGradient(Tensor inputs, Criterion criterion) =>
        LossGradient(inputs, logits => Margin(logits, criterion.Labels, criterion.IsTargeted));

    /// <summary>Per-sample margin: max over other classes minus the label's logit (negated for targeted criteria).</summary>
    public static Tensor Margin(Tensor logits, Tensor labels, bool targeted)
    {
        using var scope = TensorScope.Begin();
        var index = labels.Unsqueeze(1);
        var labelLogit = logits.Gather(1, index).Squeeze(1);
        var others = logits.Scatter(1, index, double.NegativeInfinity);
        var (best, _) = others.Max(1);
        var margin = best.Sub(labelLogit);
        return scope.Keep(targeted ? margin.Neg() : margin);
    }

    /// <summary>
    /// Logits [N, K] and the gradients of every logit with respect to the input, [N, K, ...]: one forward pass, then
    /// one backward pass per class through the retained graph (measured faster on the CPU than replicating the batch
    /// K times for a single backward, which repeats the forward K times).
    /// </summary>
    public (Tensor Logits, Tensor Jacobian) LogitJacobian(Tensor inputs)
    {
        using var scope = TensorScope.Begin();
        var x = inputs.Detach().RequiresGrad_();
        var logits = Model.Logits(x);
        var classes = logits.Size(1);
        var rows = new Tensor[classes];
        for (var k = 0; k < classes; k++)
        {
            var output = logits.Select(1, k).Sum();
            rows[k] = Autograd.Grad(output, x, retainGraph: k < classes - 1);
        }

        GradientEvaluations += classes * inputs.Size(0);
        var jacobian = Torch.Torch.Stack(rows, 1);
        return (scope.Keep(logits.Detach()), scope.Keep(jacobian));
    }

    public void Dispose() => Generator.Dispose();
}
