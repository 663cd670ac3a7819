using System.Globalization;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// TRADES (Zhang et al., "Theoretically principled trade-off between robustness and accuracy", ICML 2019):
/// cross-entropy on the clean batch plus β times the KL divergence between the predictions on the clean point and on a
/// point of its ℓ∞ ε-ball that maximises it,
/// <code>
/// loss = CE(f(x), y) + β · mean_b KL( softmax f(x_b) ‖ softmax f(x'_b) )
/// x'   = x + 0.001·N(0, I), then K times:  x' ← Π_{ball ∩ box}( x' + η · sign ∇_{x'} KL(softmax f(x) ‖ softmax f(x')) )
/// </code>
/// as the authors' <c>trades_loss</c> computes it. The inner maximisation runs with the model in evaluation mode (the
/// mode it was in is restored afterwards) and records no graph for the parameters; x' is then a constant, and the outer
/// KL is differentiated through both f(x') and f(x) (the reference does not detach the clean distribution there).
/// <para>
/// Defaults are the reference's MNIST script (<c>train_trades_mnist.py</c>): ε = 0.3, K = 40 steps, η = 0.01, β = 1, the
/// box [0, 1]. Every inner point lies in the ε-ball and the box: unlike the reference, the random start is projected too
/// (the reference projects only after the first step). The clean distribution of the inner loss is computed once per
/// batch in evaluation mode; the reference recomputes the same values at every step.
/// </para>
/// </summary>
public sealed class Trades : Regularizer, IDisposable
{
    private readonly Generator generator;

    /// <param name="epsilon">ε, the radius of the ℓ∞ ball (non-negative, finite).</param>
    /// <param name="steps">K, sign-gradient steps of the inner maximisation (0 keeps the random start).</param>
    /// <param name="stepSize">η, the size of each step.</param>
    /// <param name="weight">β, the weight of the KL term.</param>
    /// <param name="box">The box inputs live in; [0, 1] when null.</param>
    /// <param name="seed">Seed of the random starts.</param>
    public Trades(double epsilon = 0.3, int steps = 40, double stepSize = 0.01, double weight = 1,
        (double Low, double High)? box = null, ulong seed = 0)
        : base(weight)
    {
        if (!(epsilon >= 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be finite and non-negative");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (!(stepSize >= 0) || double.IsInfinity(stepSize))
        {
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "the step size must be finite and non-negative");
        }

        var (low, high) = box ?? (0, 1);
        if (!(low <= high) || double.IsInfinity(low) || double.IsInfinity(high))
        {
            throw new ArgumentOutOfRangeException(nameof(box), box, "the box must be a finite interval [low, high]");
        }

        Epsilon = epsilon;
        Steps = steps;
        StepSize = stepSize;
        Box = (low, high);
        Seed = seed;
        generator = new Generator(seed);
    }

    /// <summary>ε, the radius of the ℓ∞ ball.</summary>
    public double Epsilon { get; }

    /// <summary>K, the inner steps.</summary>
    public int Steps { get; }

    /// <summary>η, the inner step size.</summary>
    public double StepSize { get; }

    /// <summary>The box the inner points stay in.</summary>
    public (double Low, double High) Box { get; }

    /// <summary>Seed of the random starts.</summary>
    public ulong Seed { get; }

    /// <summary>"trades".</summary>
    public override string Name => "trades";

    /// <summary><c>mean_b KL(softmax f(x_b) ‖ softmax f(x'_b))</c> at the inner maximiser x'.</summary>
    public override Tensor Penalty(RegularizerBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = TensorScope.Begin();
        var inner = InnerMaximum(batch.Model, batch.Inputs);
        var perturbed = batch.Model.Forward(inner).LogSoftmax(1);
        return scope.Keep(VirtualAdversarialTraining.BatchMeanKl(perturbed, batch.Logits.Softmax(1)));
    }

    /// <summary>
    /// The inner maximiser x' for <paramref name="inputs"/> [B, …] (which must lie in the box): the same shape, within ε
    /// of the inputs in ℓ∞ and inside the box, with no graph. Runs the model in evaluation mode with its parameters
    /// frozen and restores both; draws the random start from this object's generator.
    /// </summary>
    public Tensor InnerMaximum(Module model, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        // evaluation mode with the parameters frozen, as the attacks run: the inner graph reaches the input only
        using var mode = new Attacks.AttackModel(model).EvaluationMode();
        using var scope = TensorScope.Begin();
        var x = inputs.Detach();
        Tensor clean, lower, upper;
        using (Autograd.NoGrad())
        {
            clean = model.Forward(x).Softmax(1);
            lower = x.Sub(Epsilon).Clamp(min: Box.Low);
            upper = x.Add(Epsilon).Clamp(max: Box.High);
        }

        var point = x.Add(Torch.Torch.Randn(x.Shape, generator, x.DType, x.Device), 0.001).Clamp(lower, upper);
        for (var k = 0; k < Steps; k++)
        {
            using var step = TensorScope.Begin();
            var probe = point.Detach().RequiresGrad_();
            var divergence = Functional.KlDiv(model.Forward(probe).LogSoftmax(1), clean, Reduction.Sum);
            var gradient = Autograd.Grad(divergence, probe);
            var next = step.Keep(probe.Detach().Add(gradient.Sign(), StepSize).Clamp(lower, upper));
            point.Dispose();
            point = next;
        }

        return scope.Keep(point);
    }

    /// <summary>Frees the generator.</summary>
    public void Dispose() => generator.Dispose();

    /// <summary>The settings, e.g. <c>Trades(ε=0.3, steps=40, η=0.01, β=1, box=[0, 1])</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Trades(ε={Epsilon}, steps={Steps}, η={StepSize}, β={Weight}, box=[{Box.Low}, {Box.High}], seed={Seed})");
}
