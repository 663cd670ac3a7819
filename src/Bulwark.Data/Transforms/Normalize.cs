using System.Globalization;
using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// Per-channel standardisation, as torchvision's <c>Normalize</c>: <c>(x − mean[c]) / std[c]</c>, and its inverse
/// <c>x · std[c] + mean[c]</c>. The channel is the third dimension from the end, so it applies to a batch
/// <c>[N, C, H, W]</c> and to one image <c>[C, H, W]</c>. Robust models keep it inside the model, so that attacks
/// work in the [0, 1] pixel box.
/// <code>
/// var normalize = Normalize.Cifar10;
/// using var z = normalize.Apply(images);
/// </code>
/// </summary>
public sealed class Normalize : IInvertibleTransform
{
    private readonly double[] mean;
    private readonly double[] std;

    /// <exception cref="ArgumentException">The lists are empty or of different lengths, or a standard deviation is not positive and finite.</exception>
    public Normalize(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new ArgumentException($"mean and std need one value per channel; got {mean.Count} and {std.Count}", nameof(std));
        }

        if (std.Any(s => !(s > 0) || double.IsInfinity(s)))
        {
            throw new ArgumentException($"every standard deviation must be positive and finite; got [{Format(std)}]", nameof(std));
        }

        if (mean.Any(m => !double.IsFinite(m)))
        {
            throw new ArgumentException($"every mean must be finite; got [{Format(mean)}]", nameof(mean));
        }

        this.mean = [.. mean];
        this.std = [.. std];
    }

    /// <summary>MNIST's training-set mean and standard deviation (0.1307, 0.3081).</summary>
    public static Normalize Mnist { get; } = new([0.1307], [0.3081]);

    /// <summary>CIFAR-10's training-set per-channel mean and standard deviation.</summary>
    public static Normalize Cifar10 { get; } = new([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]);

    public IReadOnlyList<double> Mean => mean;

    public IReadOnlyList<double> Std => std;

    /// <summary><c>(x − mean) / std</c> per channel.</summary>
    public Tensor Apply(Tensor images)
    {
        using var scope = TensorScope.Begin();
        var (m, s) = Constants(images);
        return scope.Keep(images.Sub(m).Div(s));
    }

    /// <summary><c>x · std + mean</c> per channel: the images <see cref="Apply"/> maps to <paramref name="transformed"/>.</summary>
    public Tensor Inverse(Tensor transformed)
    {
        using var scope = TensorScope.Begin();
        var (m, s) = Constants(transformed);
        return scope.Keep(transformed.Mul(s).Add(m));
    }

    public override string ToString() => $"Normalize(mean=[{Format(mean)}], std=[{Format(std)}])";

    private (Tensor Mean, Tensor Std) Constants(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var shape = images.Shape;
        if (shape.Length < 3 || shape[^3] != mean.Length)
        {
            throw new ArgumentException(
                $"{this} needs images [N, {mean.Length}, H, W] or [{mean.Length}, H, W]; got shape [{string.Join(", ", shape)}]", nameof(images));
        }

        if (!images.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"normalization needs floating-point images; got {images.DType.ToTorchName()}", nameof(images));
        }

        var dtype = images.DType;
        var device = images.Device;
        return (
            Torch.Torch.FromArray(mean, mean.Length, 1, 1).To(dtype, device),
            Torch.Torch.FromArray(std, std.Length, 1, 1).To(dtype, device));
    }

    private static string Format(IEnumerable<double> values) =>
        string.Join(", ", values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
}
