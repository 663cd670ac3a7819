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

    /// <summary>
    /// The normal distribution N(<paramref name="mean"/>, <paramref name="std"/>²) truncated to [<paramref name="a"/>,
    /// <paramref name="b"/>] (PyTorch's <c>trunc_normal_</c>; with the default bounds of ±2 at std 1, TensorFlow's
    /// <c>truncated_normal</c>). Values outside the bounds are drawn again until none is left, which samples the truncated
    /// distribution exactly.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">std is not positive, or [a, b] has less than 1e-6 of the mass.</exception>
    public static Tensor TruncNormal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(std > 0) || double.IsInfinity(std))
        {
            throw new ArgumentOutOfRangeException(nameof(std), std, "a truncated normal needs a finite positive standard deviation");
        }

        if (!(Phi((b - mean) / std) - Phi((a - mean) / std) >= 1e-6))
        {
            throw new ArgumentOutOfRangeException(nameof(a), $"[{a}, {b}] holds almost none of N({mean}, {std}²): nothing to draw from");
        }

        using var noGrad = Autograd.NoGrad();
        tensor.Normal_(mean, std, generator);
        while (true)
        {
            using var scope = TensorScope.Begin();
            var outside = tensor.Lt(a).LogicalOr(tensor.Gt(b));
            if (!outside.Any().ToBoolean())
            {
                return tensor;
            }

            var fresh = Torch.RandnLike(tensor, generator).Mul(std).Add(mean);
            tensor.Copy_(Torch.Where(outside, fresh, tensor));
        }
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

    /// <summary>The standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; error below 2e-7, ample for a bound check).</summary>
    private static double Phi(double z)
    {
        if (double.IsNegativeInfinity(z))
        {
            return 0;
        }

        if (double.IsPositiveInfinity(z))
        {
            return 1;
        }

        var x = Math.Abs(z) / Math.Sqrt(2);
        var t = 1 / (1 + 0.3275911 * x);
        var erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
}
