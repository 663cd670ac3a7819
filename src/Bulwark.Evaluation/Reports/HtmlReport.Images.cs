using System.Text;

namespace Bulwark.Evaluation;

public static partial class HtmlReport
{
    /// <summary>Images are drawn at least this many CSS pixels on their longer side (whole multiples, pixelated).</summary>
    private const int ImageDisplaySize = 112;

    /// <summary>One example's three images as PNG files.</summary>
    /// <param name="Clean">The input.</param>
    /// <param name="Adversarial">The adversarial input.</param>
    /// <param name="Perturbation">adversarial − clean, rescaled so that 0 is mid-grey and ±<paramref name="MaxAbs"/> is white / black.</param>
    /// <param name="MaxAbs">The largest |adversarial − clean| over all values (0 when they are equal).</param>
    /// <param name="Width">W, in pixels.</param>
    /// <param name="Height">H, in pixels.</param>
    internal sealed record ExampleImages(byte[] Clean, byte[] Adversarial, byte[] Perturbation, double MaxAbs, int Width, int Height);

    /// <summary>Encodes an example's [C, H, W] pixels (C = 1 or 3, values in [0, 1]) as PNG files.</summary>
    /// <exception cref="ArgumentException">The shape is not [C, H, W] with C = 1 or 3, or disagrees with the pixel counts.</exception>
    internal static ExampleImages Encode(AdversarialExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var shape = example.Shape;
        if (shape.Count != 3 || shape.Any(d => d <= 0))
        {
            throw new ArgumentException($"example {example.Index} ({example.Attack}): shape must be [C, H, W] with positive sizes; got [{string.Join(", ", shape)}]", nameof(example));
        }

        var (channels, height, width) = (shape[0], shape[1], shape[2]);
        if (channels is not (1 or 3))
        {
            throw new ArgumentException($"example {example.Index} ({example.Attack}): only 1 (greyscale) or 3 (RGB) channels can be drawn; got {channels}", nameof(example));
        }

        var count = checked(channels * height * width);
        if (example.Clean.Count != count || example.Adversarial.Count != count)
        {
            throw new ArgumentException(
                $"example {example.Index} ({example.Attack}): shape [{channels}, {height}, {width}] needs {count} values; got {example.Clean.Count} clean and {example.Adversarial.Count} adversarial",
                nameof(example));
        }

        var maxAbs = 0.0;
        for (var i = 0; i < count; i++)
        {
            var delta = (double)example.Adversarial[i] - example.Clean[i];
            if (double.IsFinite(delta))
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(delta));
            }
        }

        var clean = new byte[count];
        var adversarial = new byte[count];
        var perturbation = new byte[count];
        var plane = height * width;
        for (var c = 0; c < channels; c++)
        {
            for (var p = 0; p < plane; p++)
            {
                var source = c * plane + p;        // planar [C, H, W]
                var target = p * channels + c;     // interleaved rows of pixels, as PNG stores them
                clean[target] = ToByte(example.Clean[source]);
                adversarial[target] = ToByte(example.Adversarial[source]);
                var delta = (double)example.Adversarial[source] - example.Clean[source];
                perturbation[target] = ToByte(maxAbs > 0 && double.IsFinite(delta) ? 0.5 + 0.5 * delta / maxAbs : 0.5);
            }
        }

        return new ExampleImages(
            PngImage.Encode(clean, width, height, channels),
            PngImage.Encode(adversarial, width, height, channels),
            PngImage.Encode(perturbation, width, height, channels),
            maxAbs, width, height);
    }

    /// <summary>A value in [0, 1] as an 8-bit intensity (clamped; NaN is black).</summary>
    internal static byte ToByte(double value) =>
        double.IsNaN(value) ? (byte)0 : (byte)Math.Round(Math.Clamp(value, 0, 1) * 255, MidpointRounding.AwayFromZero);

    private static void AppendExamples(StringBuilder html, IReadOnlyList<AdversarialExample> examples)
    {
        if (examples.Count == 0)
        {
            return;
        }

        html.Append("<section id=\"examples\">\n<h2>Adversarial examples</h2>\n")
            .Append("<p class=\"note\">Each card: the clean input, the adversarial input, and the perturbation rescaled around grey ")
            .Append("(grey = 0, white = +max |&#948;|, black = &#8722;max |&#948;|).</p>\n<div class=\"examples\">\n");
        foreach (var example in examples)
        {
            var images = Encode(example);
            var scale = Math.Max(1, ImageDisplaySize / Math.Max(images.Width, images.Height));
            var size = $"width=\"{images.Width * scale}\" height=\"{images.Height * scale}\"";
            var flipped = example.AdversarialPrediction != example.CleanPrediction;
            html.Append("<figure class=\"example\" data-index=\"").Append(example.Index.ToString(Invariant)).Append("\">\n<div class=\"images\">\n");
            Image(html, images.Clean, size, "clean", $"clean input {example.Index}");
            Image(html, images.Adversarial, size, "adversarial", $"adversarial input {example.Index}");
            Image(html, images.Perturbation, size, $"&#948; (max {Number(images.MaxAbs)})", $"perturbation of input {example.Index}");
            html.Append("</div>\n<figcaption class=\"caption\">#").Append(example.Index.ToString(Invariant)).Append(" &#183; ")
                .Append(Escape(example.Attack)).Append(" (").Append(Escape(NormName(example.Norm))).Append(")<br>label ")
                .Append(example.Label.ToString(Invariant)).Append(", clean &#8594; ").Append(example.CleanPrediction.ToString(Invariant))
                .Append(", adversarial &#8594; <span").Append(flipped ? " class=\"flipped\"" : "").Append('>')
                .Append(example.AdversarialPrediction.ToString(Invariant)).Append("</span>, &#8214;&#948;&#8214; = ")
                .Append(Number(example.PerturbationNorm)).Append("</figcaption>\n</figure>\n");
        }

        html.Append("</div>\n</section>\n");

        static void Image(StringBuilder html, byte[] png, string size, string captionHtml, string alt) =>
            html.Append("<figure><img src=\"data:image/png;base64,").Append(Convert.ToBase64String(png)).Append("\" ").Append(size)
                .Append(" alt=\"").Append(Escape(alt)).Append("\"><figcaption>").Append(captionHtml).Append("</figcaption></figure>\n");
    }
}
