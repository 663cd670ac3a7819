using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// A training objective: the scalar loss of a model on a batch, <c>CE(f(x), y) + Σ λᵢ·Rᵢ(f, x, y)</c>
/// (DESIGN §4). Regularizers and adversarial terms implement it so that one trainer runs them all.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Short name used on the command line and in reports (e.g. <c>ce</c>, <c>input-gradient</c>).</summary>
    string Name { get; }

    /// <summary>The batch loss (a differentiable scalar) and the logits of the clean batch.</summary>
    ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels);
}

/// <summary>A batch loss plus the clean logits, so the trainer can report accuracy without a second forward pass.</summary>
public sealed record ObjectiveResult(Tensor Loss, Tensor Logits);
