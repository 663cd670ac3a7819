namespace Bulwark.Torch.Nn;

/// <summary>Weight initialisations, as <c>torch.nn.init</c>. A null generator draws from the default one.</summary>
public static class Init
{
    /// <summary>(fan_in, fan_out) of a weight: [out, in] for linear, [out, in/groups, kh, kw] for convolution.</summary>
    public static (long FanIn, long FanOut) Fans(Tensor weight)
    {
        var shape = weight.Shape;
        if (shape.Length < 2)
        {
            throw new ArgumentException($"fan in/out need at least 2 dimensions, got [{string.Join(", ", shape)}]", nameof(weight));
        }

        long receptive = 1;
        for (var i = 2; i < shape.Length; i++)
        {
            receptive *= shape[i];
        }

        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>The recommended gain of a nonlinearity (PyTorch's <c>calculate_gain</c>).</summary>
    public static double Gain(string nonlinearity, double parameter = 0.01) => nonlinearity switch
    {
        "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d"
            or "sigmoid" => 1.0,
        "tanh" => 5.0 / 3,
        "relu" => Math.Sqrt(2.0),
        "leaky_relu" => Math.Sqrt(2.0 / (1 + parameter * parameter)),
        "selu" => 3.0 / 4,
        _ => throw new ArgumentException($"unknown nonlinearity '{nonlinearity}'", nameof(nonlinearity)),
    };

    public static Tensor Uniform_(Tensor tensor, double low, double high, Generator? generator = null)
    {
        using var noGrad = Autograd.NoGrad();
        return tensor.Uniform_(low, high, generator);
    }

    public static Tensor Normal_(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        using var noGrad = Autograd.NoGrad();
        return tensor.Normal_(mean, std, generator);
    }

    public static Tensor Constant_(Tensor tensor, double value)
    {
        using var noGrad = Autograd.NoGrad();
        return tensor.Fill_(value);
    }

    public static Tensor Zeros_(Tensor tensor) => Constant_(tensor, 0);

    /// <summary>He/Kaiming uniform: U(−b, b), b = gain·sqrt(3/fan), fan = fan_in (or fan_out).</summary>
    public static Tensor KaimingUniform_(Tensor tensor, double a = 0, bool fanIn = true, string nonlinearity = "leaky_relu",
        Generator? generator = null)
    {
        // As PyTorch: a tensor with no elements (e.g. Linear(0, n)) has a zero fan and nothing to draw.
        if (tensor.NumberOfElements == 0)
        {
            return tensor;
        }

        var (inFan, outFan) = Fans(tensor);
        var std = Gain(nonlinearity, a) / Math.Sqrt(fanIn ? inFan : outFan);
        var bound = Math.Sqrt(3.0) * std;
        return Uniform_(tensor, -bound, bound, generator);
    }

    public static Tensor KaimingNormal_(Tensor tensor, double a = 0, bool fanIn = true, string nonlinearity = "leaky_relu",
        Generator? generator = null)
    {
        if (tensor.NumberOfElements == 0)
        {
            return tensor;
        }

        var (inFan, outFan) = Fans(tensor);
        return Normal_(tensor, 0, Gain(nonlinearity, a) / Math.Sqrt(fanIn ? inFan : outFan), generator);
    }

    /// <summary>Glorot/Xavier uniform: U(−b, b), b = gain·sqrt(6/(fan_in + fan_out)).</summary>
    public static Tensor XavierUniform_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (inFan, outFan) = Fans(tensor);
        var bound = gain * Math.Sqrt(6.0 / (inFan + outFan));
        return Uniform_(tensor, -bound, bound, generator);
    }

    public static Tensor XavierNormal_(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        var (inFan, outFan) = Fans(tensor);
        return Normal_(tensor, 0, gain * Math.Sqrt(2.0 / (inFan + outFan)), generator);
    }

    /// <summary>
    /// PyTorch's default for Linear and Conv2d: Kaiming uniform with a = √5 on the weight (b = 1/sqrt(fan_in))
    /// and U(−1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias.
    /// </summary>
    public static void DefaultAffine_(Tensor weight, Tensor? bias, Generator? generator = null)
    {
        KaimingUniform_(weight, Math.Sqrt(5), generator: generator);
        if (bias is not null)
        {
            var fanIn = Fans(weight).FanIn;
            var bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            Uniform_(bias, -bound, bound, generator);
        }
    }
}
