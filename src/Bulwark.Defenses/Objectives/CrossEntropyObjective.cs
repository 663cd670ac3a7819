using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>Plain cross-entropy, averaged over the batch: the undefended baseline.</summary>
public sealed class CrossEntropyObjective : ITrainingObjective
{
    public string Name => "ce";

    public ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels)
    {
        var logits = model.Forward(inputs);
        return new ObjectiveResult(Functional.CrossEntropy(logits, labels), logits);
    }

    public override string ToString() => "CrossEntropy";
}
