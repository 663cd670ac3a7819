using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Objectives;

/// <summary>
/// A data loss plus a sum of regularization terms, <c>DataLoss(f(x), y) + Σ λᵢ·Rᵢ(f, x, y)</c>, computed from one forward
/// pass of the clean batch. The data loss is the first term's (<see cref="Regularizer.DataLoss"/>): cross-entropy, or the
/// hinge loss when a margin term comes first. Terms of weight 0 are skipped.
/// </summary>
public sealed class RegularizedObjective : ITrainingObjective
{
    private readonly Regularizer[] terms;

    public RegularizedObjective(params Regularizer[] terms)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Length == 0 || terms.Any(t => t is null))
        {
            throw new ArgumentException("a regularized objective needs at least one term, and no null terms", nameof(terms));
        }

        this.terms = terms.ToArray();
    }

    public IReadOnlyList<Regularizer> Terms => terms;

    public string Name => string.Join("+", terms.Select(t => t.Name));

    public ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels) => Compute(terms[0], terms, model, inputs, labels);

    internal static ObjectiveResult Compute(Regularizer data, IReadOnlyList<Regularizer> terms, Module model, Tensor inputs, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        using var scope = TensorScope.Begin();
        var x = terms.Any(t => t.NeedsInputGradient && t.Weight != 0) ? inputs.Detach().RequiresGrad_() : inputs;
        var logits = model.Forward(x);
        var loss = data.DataLoss(logits, labels);
        foreach (var term in terms)
        {
            if (term.Weight != 0)
            {
                loss = loss.Add(term.Penalty(new RegularizerBatch(model, x, logits, labels)), term.Weight);
            }
        }

        return new ObjectiveResult(scope.Keep(loss), scope.Keep(logits));
    }

    public override string ToString() => string.Join(" + ", terms.Select(t => t.ToString()));
}
