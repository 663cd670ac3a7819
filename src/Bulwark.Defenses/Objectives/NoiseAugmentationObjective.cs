using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// One step of N-fold Gaussian noise augmentation, the moment regularizer's baseline, as a single batch: the clean
/// batch of B images and its N noisy copies <c>x + σ·z</c> (z ~ N(0, I), fresh per image and copy, in the model's input
/// space) are forwarded together as one batch of B·(N + 1), and the loss is the cross-entropy averaged over all of it.
/// A step therefore costs about (N + 1) clean steps, the price per epoch that the moment-regularizer paper sets against
/// its analytical term. The returned logits are those of the clean batch.
/// <para>
/// This is the definition <c>bulwark bench train-step --objective augment</c> times (bench/pytorch/train_step.py
/// computes the same). Training with augmentation as the reference does it — the noisy copies shuffled into the epoch
/// as separate samples, (N + 1)× the optimizer steps — is <see cref="Training.TrainerOptions.Augmentation"/>.
/// </para>
/// </summary>
public sealed class NoiseAugmentationObjective : ITrainingObjective
{
    private readonly Generator? generator;

    /// <param name="folds">N, the noisy copies of each batch (at least 1).</param>
    /// <param name="sigma">σ of the noise, in the model's input space.</param>
    /// <param name="clip">Clip noisy inputs to [0, 1]; the reference does not.</param>
    /// <param name="generator">Where the noise comes from (not owned); libtorch's global generator when null.</param>
    public NoiseAugmentationObjective(int folds, double sigma = 0.25, bool clip = false, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(folds);
        if (!(sigma >= 0) || double.IsInfinity(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be finite and non-negative");
        }

        Folds = folds;
        Sigma = sigma;
        Clip = clip;
        this.generator = generator;
    }

    public int Folds { get; }

    public double Sigma { get; }

    public bool Clip { get; }

    public string Name => "augment";

    public ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = TensorScope.Begin();
        var count = inputs.Size(0);
        long[] repeats = [Folds, .. Enumerable.Repeat(1L, inputs.Shape.Length - 1)];
        var copies = inputs.Repeat(repeats);
        var noise = Torch.Torch.Randn(copies.Shape, generator, copies.DType, copies.Device);
        var noisy = copies.Add(noise, Sigma);
        if (Clip)
        {
            noisy = noisy.Clamp(0, 1);
        }

        var batch = Torch.Torch.Cat([inputs, noisy]);
        var allLabels = labels.Repeat(Folds + 1);
        var logits = model.Forward(batch);
        var loss = Functional.CrossEntropy(logits, allLabels);
        return new ObjectiveResult(scope.Keep(loss), scope.Keep(logits.Narrow(0, 0, count)));
    }

    public override string ToString() => $"NoiseAugmentation({Folds}×, σ={Sigma}{(Clip ? ", clipped" : "")})";
}
