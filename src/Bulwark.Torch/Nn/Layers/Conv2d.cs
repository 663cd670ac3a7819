namespace Bulwark.Torch.Nn;

/// <summary>2-D convolution, weight [out, in/groups, kh, kw]; PyTorch's default initialisation.</summary>
public sealed class Conv2d : Module
{
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias)
    {
    }

    public Conv2d(long inChannels, long outChannels, (long, long) kernelSize, (long, long) stride, (long, long) padding,
        (long, long) dilation, long groups = 1, bool bias = true)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"channels ({inChannels} in, {outChannels} out) must be divisible by groups ({groups})");
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        Weight = RegisterParameter("weight", Torch.Empty([outChannels, inChannels / groups, kernelSize.Item1, kernelSize.Item2]));
        Bias = bias ? RegisterParameter("bias", Torch.Empty([outChannels])) : null;
        Init.DefaultAffine_(Weight, Bias);
    }

    public long InChannels { get; }

    public long OutChannels { get; }

    public (long, long) KernelSize { get; }

    public (long, long) Stride { get; }

    public (long, long) Padding { get; }

    public (long, long) Dilation { get; }

    public long Groups { get; }

    public Tensor Weight { get; }

    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) =>
        Functional.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    protected override string Describe() =>
        $"Conv2d({InChannels}, {OutChannels}, kernel={KernelSize}, stride={Stride}, padding={Padding}" +
        (Groups == 1 ? ")" : $", groups={Groups})");
}
