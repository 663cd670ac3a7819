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

    /// <summary>What an <see cref="AttackEnsemble"/> run found per member; the base class hands it to the result.</summary>
    internal EnsembleBreakdown? Breakdown { get; set; }

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

    /// <summary>
    /// Logits [N, K], the gradient of each input's target logit f_t, and that of the sum of its other logits
    /// Σ_{j≠t} f_j, both [N, ...]: the two rows of the Jacobian the saliency map needs, from two backward passes (the
    /// target's, and the sum of all logits') where the whole Jacobian takes K.
    /// </summary>
    public (Tensor Logits, Tensor Target, Tensor Others) TargetLogitGradients(Tensor inputs, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        using var scope = TensorScope.Begin();
        var x = inputs.Detach().RequiresGrad_();
        var logits = Model.Logits(x);
        var target = Autograd.Grad(logits.Gather(1, targets.Unsqueeze(1)).Sum(), x, retainGraph: true);
        var all = Autograd.Grad(logits.Sum(), x);
        GradientEvaluations += 2 * inputs.Size(0);
        return (scope.Keep(logits.Detach()), scope.Keep(target), scope.Keep(all.Sub(target)));
    }

    /// <summary>
    /// Logits [N, K] and, for each column j of <paramref name="classes"/> [N, M], the gradient of
    /// f_{classes[i, j]} − f_{labels[i]} with respect to input i, [N, M, ...]: DeepFool's w_k, with one backward pass per
    /// column through the retained graph — the label's own gradient is never formed, so M other classes cost M passes.
    /// </summary>
    public (Tensor Logits, Tensor Gradients) LogitDifferenceGradients(Tensor inputs, Tensor labels, Tensor classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classes);
        using var scope = TensorScope.Begin();
        var x = inputs.Detach().RequiresGrad_();
        var logits = Model.Logits(x);
        var differences = logits.Gather(1, classes).Sub(logits.Gather(1, labels.Unsqueeze(1)));
        var columns = classes.Size(1);
        var rows = new Tensor[columns];
        for (var j = 0; j < columns; j++)
        {
            rows[j] = Autograd.Grad(differences.Select(1, j).Sum(), x, retainGraph: j < columns - 1);
        }

        GradientEvaluations += columns * inputs.Size(0);
        return (scope.Keep(logits.Detach()), scope.Keep(Torch.Torch.Stack(rows, 1)));
    }

    public void Dispose() => Generator.Dispose();
}
