namespace Bulwark.Torch.Nn;

/// <summary>Max pooling; stride defaults to the kernel size.</summary>
public sealed class MaxPool2d(long kernelSize, long? stride = null, long padding = 0) : Module
{
    public long KernelSize { get; } = kernelSize;

    public long Stride { get; } = stride ?? kernelSize;

    public long Padding { get; } = padding;

    public override Tensor Forward(Tensor input) =>
        Functional.MaxPool2d(input, (KernelSize, KernelSize), (Stride, Stride), (Padding, Padding));

    protected override string Describe() => $"MaxPool2d(kernel={KernelSize}, stride={Stride}, padding={Padding})";
}

/// <summary>Average pooling; stride defaults to the kernel size.</summary>
public sealed class AvgPool2d(long kernelSize, long? stride = null, long padding = 0) : Module
{
    public long KernelSize { get; } = kernelSize;

    public long Stride { get; } = stride ?? kernelSize;

    public long Padding { get; } = padding;

    public override Tensor Forward(Tensor input) =>
        Functional.AvgPool2d(input, (KernelSize, KernelSize), (Stride, Stride), (Padding, Padding));

    protected override string Describe() => $"AvgPool2d(kernel={KernelSize}, stride={Stride}, padding={Padding})";
}
