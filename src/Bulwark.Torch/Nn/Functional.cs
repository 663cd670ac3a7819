using Bulwark.Torch.Interop;

namespace Bulwark.Torch.Nn;

/// <summary>How a loss reduces over the batch.</summary>
public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}

/// <summary>Stateless neural-network functions, as PyTorch's <c>torch.nn.functional</c>.</summary>
public static class Functional
{
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) =>
        Tensor.From(NativeMethods.BwNn_linear(input.Handle, weight.Handle, Tensor.HandleOf(bias), out var h), h);

    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, (long, long)? stride = null,
        (long, long)? padding = null, (long, long)? dilation = null, long groups = 1) =>
        Tensor.From(NativeMethods.BwNn_conv2d(input.Handle, weight.Handle, Tensor.HandleOf(bias), Pair(stride ?? (1, 1)),
            Pair(padding ?? (0, 0)), Pair(dilation ?? (1, 1)), groups, out var h), h);

    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, (long, long)? stride = null,
        (long, long)? padding = null, (long, long)? outputPadding = null, long groups = 1, (long, long)? dilation = null) =>
        Tensor.From(NativeMethods.BwNn_convTranspose2d(input.Handle, weight.Handle, Tensor.HandleOf(bias), Pair(stride ?? (1, 1)),
            Pair(padding ?? (0, 0)), Pair(outputPadding ?? (0, 0)), groups, Pair(dilation ?? (1, 1)), out var h), h);

    /// <summary>Max pooling; <paramref name="stride"/> defaults to the kernel size, as in PyTorch.</summary>
    public static Tensor MaxPool2d(Tensor input, (long, long) kernelSize, (long, long)? stride = null,
        (long, long)? padding = null, (long, long)? dilation = null, bool ceilMode = false) =>
        Tensor.From(NativeMethods.BwNn_maxPool2d(input.Handle, Pair(kernelSize), Pair(stride ?? kernelSize),
            Pair(padding ?? (0, 0)), Pair(dilation ?? (1, 1)), ceilMode ? 1 : 0, out var h), h);

    public static Tensor AvgPool2d(Tensor input, (long, long) kernelSize, (long, long)? stride = null,
        (long, long)? padding = null, bool ceilMode = false, bool countIncludePad = true) =>
        Tensor.From(NativeMethods.BwNn_avgPool2d(input.Handle, Pair(kernelSize), Pair(stride ?? kernelSize),
            Pair(padding ?? (0, 0)), ceilMode ? 1 : 0, countIncludePad ? 1 : 0, out var h), h);

    public static Tensor AdaptiveAvgPool2d(Tensor input, (long, long) outputSize) =>
        Tensor.From(NativeMethods.BwNn_adaptiveAvgPool2d(input.Handle, Pair(outputSize), out var h), h);

    /// <summary>Batch normalisation; in training mode the running statistics are updated in place.</summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null,
        Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
        Tensor.From(NativeMethods.BwNn_batchNorm(input.Handle, Tensor.HandleOf(weight), Tensor.HandleOf(bias),
            Tensor.HandleOf(runningMean), Tensor.HandleOf(runningVar), training ? 1 : 0, momentum, eps, out var h), h);

    /// <summary>Dropout with libtorch's default generator (seed it with <see cref="Torch.ManualSeed"/>).</summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true)
    {
        if (p is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        }

        return Tensor.From(NativeMethods.BwNn_dropout(input.Handle, p, training ? 1 : 0, out var h), h);
    }

    public static Tensor Relu(Tensor input) => input.Relu();

    public static Tensor LeakyRelu(Tensor input, double negativeSlope = 0.01) => input.LeakyRelu(negativeSlope);

    public static Tensor Softplus(Tensor input, double beta = 1, double threshold = 20) => input.Softplus(beta, threshold);

    public static Tensor Softmax(Tensor input, long dim) => input.Softmax(dim);

    public static Tensor LogSoftmax(Tensor input, long dim) => input.LogSoftmax(dim);

    /// <summary>Cross-entropy of logits [B, K] against class indices [B] (int64).</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100, double labelSmoothing = 0) =>
        Tensor.From(NativeMethods.BwNn_crossEntropy(logits.Handle, target.Handle, Tensor.HandleOf(weight), (int)reduction,
            ignoreIndex, labelSmoothing, out var h), h);

    public static Tensor NllLoss(Tensor logProbabilities, Tensor target, Reduction reduction = Reduction.Mean,
        Tensor? weight = null, long ignoreIndex = -100) =>
        Tensor.From(NativeMethods.BwNn_nllLoss(logProbabilities.Handle, target.Handle, Tensor.HandleOf(weight), (int)reduction,
            ignoreIndex, out var h), h);

    public static Tensor BinaryCrossEntropyWithLogits(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean,
        Tensor? weight = null) =>
        Tensor.From(NativeMethods.BwNn_binaryCrossEntropyWithLogits(logits.Handle, target.Handle, Tensor.HandleOf(weight),
            (int)reduction, out var h), h);

    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
        Tensor.From(NativeMethods.BwNn_mseLoss(input.Handle, target.Handle, (int)reduction, out var h), h);

    /// <summary>KL divergence, PyTorch's <c>kl_div</c>: <paramref name="input"/> holds log-probabilities.</summary>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false) =>
        Tensor.From(NativeMethods.BwNn_klDiv(input.Handle, target.Handle, (int)reduction, logTarget ? 1 : 0, out var h), h);

    /// <summary>
    /// The Gaussian ReLU mean, elementwise: the expectation of relu(X) for X ~ N(μ, s²),
    /// <c>T(μ, s) = μ·Φ(μ/s) + s·φ(μ/s)</c>, with φ(z) = exp(−z²/2)/√(2π) and Φ(z) = ½(1 + erf(z/√2)).
    /// Its gradients are ∂T/∂μ = Φ(μ/s) and ∂T/∂s = φ(μ/s); second-order gradients (through
    /// <c>Autograd.Grad</c> with <c>createGraph</c>) are supported.
    /// </summary>
    /// <remarks>
    /// <para>Shapes: <paramref name="std"/> broadcasts to <paramref name="mean"/>'s shape (aligned from the right, each of
    /// its dimensions is 1 or equal to <paramref name="mean"/>'s); the result has <paramref name="mean"/>'s shape and the
    /// gradient of <paramref name="std"/> is summed back to its own shape. Typical: mean [B, C, H, W] with std [1, C, H, W],
    /// [C, H, W], the same shape as mean, or a 0-d scalar.</para>
    /// <para>s = 0 is the exact limit, never NaN: T(μ, 0) = relu(μ), with relu's gradients ∂T/∂μ = 1[μ &gt; 0] (0 at μ = 0)
    /// and ∂T/∂s = 0 (also at μ = 0, where the one-sided derivative would be φ(0)).</para>
    /// <para>s must be ≥ 0; a negative entry raises <see cref="TorchValueException"/> for tensors on the CPU (on a GPU it is
    /// not checked, since that would wait for the device).</para>
    /// <para>On the CPU in float32 and float64 the value and the gradients are each one fused pass over the elements;
    /// elsewhere the same formula runs as composite tensor operations.</para>
    /// </remarks>
    /// <param name="mean">μ, e.g. a layer's pre-activation [B, C, H, W] or [B, F]; floating point.</param>
    /// <param name="std">s ≥ 0, the standard deviation of the pre-activation; broadcast to μ's shape.</param>
    /// <exception cref="ArgumentException"><paramref name="std"/> does not broadcast to <paramref name="mean"/>'s shape.</exception>
    /// <exception cref="ObjectDisposedException">A tensor was disposed.</exception>
    public static Tensor GaussianReluMean(Tensor mean, Tensor std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        var meanShape = mean.Shape;
        var stdShape = std.Shape;
        var offset = meanShape.Length - stdShape.Length;
        if (offset < 0 || stdShape.Where((size, d) => size != 1 && size != meanShape[offset + d]).Any())
        {
            throw new ArgumentException(
                $"std of shape [{string.Join(", ", stdShape)}] does not broadcast to mean's shape [{string.Join(", ", meanShape)}]" +
                " (aligned from the right, each dimension of std must be 1 or equal mean's)", nameof(std));
        }

        return Tensor.From(NativeMethods.BwNn_gaussianReluMean(mean.Handle, std.Handle, out var h), h);
    }

    private static long[] Pair((long, long) value) => [value.Item1, value.Item2];
}
