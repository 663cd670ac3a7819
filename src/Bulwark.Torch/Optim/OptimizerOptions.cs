using System.Text.Json.Serialization;

namespace Bulwark.Torch.Optim;

/// <summary>
/// The settings of one parameter group, shared by every optimizer. Each optimizer has its own sealed record
/// (<see cref="SGDOptions"/>, <see cref="AdamOptions"/>, <see cref="RMSpropOptions"/>) with PyTorch's defaults;
/// the records are immutable, so a change (a scheduler lowering the learning rate) replaces the group's record.
/// They serialize to JSON with a <c>"$type"</c> discriminator, which is how optimizer checkpoints store them.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(SGDOptions), "SGD")]
[JsonDerivedType(typeof(AdamOptions), "Adam")]
[JsonDerivedType(typeof(RMSpropOptions), "RMSprop")]
public abstract record OptimizerOptions
{
    protected OptimizerOptions(double defaultLearningRate) => LearningRate = defaultLearningRate;

    /// <summary>The step size (PyTorch's <c>lr</c>).</summary>
    public double LearningRate { get; init; }

    /// <summary>L2 penalty added to the gradient: <c>g ← g + WeightDecay · θ</c> (PyTorch's <c>weight_decay</c>).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Maximises the objective instead of minimising it (PyTorch's <c>maximize</c>).</summary>
    public bool Maximize { get; init; }
}
