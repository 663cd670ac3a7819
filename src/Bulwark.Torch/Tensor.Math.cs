using Bulwark.Torch.Interop;

namespace Bulwark.Torch;

/// <summary>Elementwise math with broadcasting, activations, matrix products and comparisons.</summary>
public sealed partial class Tensor
{
    public Tensor Add(Tensor other, double alpha = 1) => From(NativeMethods.BwTensor_add(Handle, other.Handle, alpha, out var h), h);

    public Tensor Add(double value) => From(NativeMethods.BwTensor_addScalar(Handle, value, out var h), h);

    public Tensor Sub(Tensor other, double alpha = 1) => From(NativeMethods.BwTensor_sub(Handle, other.Handle, alpha, out var h), h);

    public Tensor Sub(double value) => Add(-value);

    public Tensor Mul(Tensor other) => From(NativeMethods.BwTensor_mul(Handle, other.Handle, out var h), h);

    public Tensor Mul(double value) => From(NativeMethods.BwTensor_mulScalar(Handle, value, out var h), h);

    public Tensor Div(Tensor other) => From(NativeMethods.BwTensor_div(Handle, other.Handle, out var h), h);

    public Tensor Div(double value) => From(NativeMethods.BwTensor_divScalar(Handle, value, out var h), h);

    public Tensor Pow(double exponent) => From(NativeMethods.BwTensor_pow(Handle, exponent, out var h), h);

    public Tensor Pow(Tensor exponent) => From(NativeMethods.BwTensor_powTensor(Handle, exponent.Handle, out var h), h);

    public Tensor Neg() => From(NativeMethods.BwTensor_neg(Handle, out var h), h);

    public Tensor Exp() => From(NativeMethods.BwTensor_exp(Handle, out var h), h);

    public Tensor Log() => From(NativeMethods.BwTensor_log(Handle, out var h), h);

    public Tensor Log1p() => From(NativeMethods.BwTensor_log1p(Handle, out var h), h);

    public Tensor Sqrt() => From(NativeMethods.BwTensor_sqrt(Handle, out var h), h);

    public Tensor Rsqrt() => From(NativeMethods.BwTensor_rsqrt(Handle, out var h), h);

    public Tensor Abs() => From(NativeMethods.BwTensor_abs(Handle, out var h), h);

    public Tensor Sign() => From(NativeMethods.BwTensor_sign(Handle, out var h), h);

    public Tensor Square() => From(NativeMethods.BwTensor_square(Handle, out var h), h);

    public Tensor Reciprocal() => From(NativeMethods.BwTensor_reciprocal(Handle, out var h), h);

    public Tensor Floor() => From(NativeMethods.BwTensor_floor(Handle, out var h), h);

    public Tensor Ceil() => From(NativeMethods.BwTensor_ceil(Handle, out var h), h);

    public Tensor Round() => From(NativeMethods.BwTensor_round(Handle, out var h), h);

    public Tensor Erf() => From(NativeMethods.BwTensor_erf(Handle, out var h), h);

    public Tensor Sigmoid() => From(NativeMethods.BwTensor_sigmoid(Handle, out var h), h);

    public Tensor Tanh() => From(NativeMethods.BwTensor_tanh(Handle, out var h), h);

    public Tensor Relu() => From(NativeMethods.BwTensor_relu(Handle, out var h), h);

    public Tensor Sin() => From(NativeMethods.BwTensor_sin(Handle, out var h), h);

    public Tensor Cos() => From(NativeMethods.BwTensor_cos(Handle, out var h), h);

    public Tensor IsNaN() => From(NativeMethods.BwTensor_isnan(Handle, out var h), h);

    public Tensor IsFinite() => From(NativeMethods.BwTensor_isfinite(Handle, out var h), h);

    public Tensor LogicalNot() => From(NativeMethods.BwTensor_logicalNot(Handle, out var h), h);

    public Tensor LogicalAnd(Tensor other) => From(NativeMethods.BwTensor_logicalAnd(Handle, other.Handle, out var h), h);

    public Tensor LogicalOr(Tensor other) => From(NativeMethods.BwTensor_logicalOr(Handle, other.Handle, out var h), h);

    public Tensor LeakyRelu(double negativeSlope = 0.01) => From(NativeMethods.BwTensor_leakyRelu(Handle, negativeSlope, out var h), h);

    public Tensor Softplus(double beta = 1, double threshold = 20) =>
        From(NativeMethods.BwTensor_softplus(Handle, beta, threshold, out var h), h);

    public Tensor Softmax(long dim) => From(NativeMethods.BwTensor_softmax(Handle, dim, out var h), h);

    public Tensor LogSoftmax(long dim) => From(NativeMethods.BwTensor_logSoftmax(Handle, dim, out var h), h);

    /// <summary>Clamps to [min, max]; either bound may be omitted.</summary>
    public Tensor Clamp(double? min = null, double? max = null) =>
        From(NativeMethods.BwTensor_clamp(Handle, min ?? 0, min.HasValue ? 1 : 0, max ?? 0, max.HasValue ? 1 : 0, out var h), h);

    /// <summary>Clamps elementwise between tensor bounds (broadcast); either bound may be null.</summary>
    public Tensor Clamp(Tensor? min, Tensor? max) =>
        From(NativeMethods.BwTensor_clampTensor(Handle, HandleOf(min), HandleOf(max), out var h), h);

    public Tensor Minimum(Tensor other) => From(NativeMethods.BwTensor_minimum(Handle, other.Handle, out var h), h);

    public Tensor Maximum(Tensor other) => From(NativeMethods.BwTensor_maximum(Handle, other.Handle, out var h), h);

    public Tensor Matmul(Tensor other) => From(NativeMethods.BwTensor_matmul(Handle, other.Handle, out var h), h);

    public Tensor Bmm(Tensor other) => From(NativeMethods.BwTensor_bmm(Handle, other.Handle, out var h), h);

    // ---- comparisons -------------------------------------------------------------------------

    private Tensor Compare(Tensor other, int op) => From(NativeMethods.BwTensor_compare(Handle, other.Handle, op, out var h), h);

    private Tensor Compare(double value, int op) => From(NativeMethods.BwTensor_compareScalar(Handle, value, op, out var h), h);

    public Tensor Eq(Tensor other) => Compare(other, 0);

    public Tensor Ne(Tensor other) => Compare(other, 1);

    public Tensor Lt(Tensor other) => Compare(other, 2);

    public Tensor Le(Tensor other) => Compare(other, 3);

    public Tensor Gt(Tensor other) => Compare(other, 4);

    public Tensor Ge(Tensor other) => Compare(other, 5);

    public Tensor Eq(double value) => Compare(value, 0);

    public Tensor Ne(double value) => Compare(value, 1);

    public Tensor Lt(double value) => Compare(value, 2);

    public Tensor Le(double value) => Compare(value, 3);

    public Tensor Gt(double value) => Compare(value, 4);

    public Tensor Ge(double value) => Compare(value, 5);

    /// <summary>True when both tensors have the same shape and exactly equal elements.</summary>
    public bool Equal(Tensor other)
    {
        Native.Check(NativeMethods.BwTensor_equal(Handle, other.Handle, out var result));
        return result != 0;
    }

    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        Native.Check(NativeMethods.BwTensor_allclose(Handle, other.Handle, rtol, atol, out var result));
        return result != 0;
    }

    // ---- in place --------------------------------------------------------------------------

    public Tensor Add_(Tensor other, double alpha = 1)
    {
        Native.Check(NativeMethods.BwTensor_add_(Handle, other.Handle, alpha));
        return this;
    }

    public Tensor Add_(double value)
    {
        Native.Check(NativeMethods.BwTensor_addScalar_(Handle, value));
        return this;
    }

    public Tensor Sub_(Tensor other, double alpha = 1) => Add_(other, -alpha);

    public Tensor Mul_(Tensor other)
    {
        Native.Check(NativeMethods.BwTensor_mul_(Handle, other.Handle));
        return this;
    }

    public Tensor Mul_(double value)
    {
        Native.Check(NativeMethods.BwTensor_mulScalar_(Handle, value));
        return this;
    }

    public Tensor Div_(Tensor other)
    {
        Native.Check(NativeMethods.BwTensor_div_(Handle, other.Handle));
        return this;
    }

    /// <summary>this += value · t1 · t2</summary>
    public Tensor Addcmul_(Tensor t1, Tensor t2, double value = 1)
    {
        Native.Check(NativeMethods.BwTensor_addcmul_(Handle, t1.Handle, t2.Handle, value));
        return this;
    }

    /// <summary>this += value · t1 / t2</summary>
    public Tensor Addcdiv_(Tensor t1, Tensor t2, double value = 1)
    {
        Native.Check(NativeMethods.BwTensor_addcdiv_(Handle, t1.Handle, t2.Handle, value));
        return this;
    }

    public Tensor Clamp_(double? min = null, double? max = null)
    {
        Native.Check(NativeMethods.BwTensor_clamp_(Handle, min ?? 0, min.HasValue ? 1 : 0, max ?? 0, max.HasValue ? 1 : 0));
        return this;
    }

    /// <summary>this = max(this, other), elementwise.</summary>
    public Tensor Maximum_(Tensor other)
    {
        Native.Check(NativeMethods.BwTensor_maximum_(Handle, other.Handle));
        return this;
    }

    public Tensor Sqrt_()
    {
        Native.Check(NativeMethods.BwTensor_sqrt_(Handle));
        return this;
    }

    /// <summary>this += weight · (end − this)</summary>
    public Tensor Lerp_(Tensor end, double weight)
    {
        Native.Check(NativeMethods.BwTensor_lerp_(Handle, end.Handle, weight));
        return this;
    }

    // ---- operators ---------------------------------------------------------------------------

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);

    public static Tensor operator +(Tensor a, double b) => a.Add(b);

    public static Tensor operator +(double a, Tensor b) => b.Add(a);

    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);

    public static Tensor operator -(Tensor a, double b) => a.Add(-b);

    public static Tensor operator -(double a, Tensor b) => From(NativeMethods.BwTensor_rsubScalar(b.Handle, a, out var h), h);

    public static Tensor operator -(Tensor a) => a.Neg();

    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);

    public static Tensor operator *(Tensor a, double b) => a.Mul(b);

    public static Tensor operator *(double a, Tensor b) => b.Mul(a);

    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);

    public static Tensor operator /(Tensor a, double b) => a.Div(b);

    public static Tensor operator /(double a, Tensor b) => From(NativeMethods.BwTensor_rdivScalar(b.Handle, a, out var h), h);
}
