namespace Bulwark.Torch.Nn;

/// <summary>y = x·Wᵀ + b, weight [out, in]; PyTorch's default initialisation.</summary>
public sealed class Linear : Module
{
    public Linear(long inFeatures, long outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Torch.Empty([outFeatures, inFeatures]));
        Bias = bias ? RegisterParameter("bias", Torch.Empty([outFeatures])) : null;
        Init.DefaultAffine_(Weight, Bias);
    }

    public long InFeatures { get; }

    public long OutFeatures { get; }

    public Tensor Weight { get; }

    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    protected override string Describe() => $"Linear(in={InFeatures}, out={OutFeatures}, bias={Bias is not null})";
}
