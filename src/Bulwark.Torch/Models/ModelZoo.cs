using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Models;

/// <summary>
/// The classifiers Bulwark trains and attacks, with PyTorch's default initialisation. Each is a
/// <see cref="Sequential"/> so that defenses can reach its layers (the moment regularizer splits off the first
/// affine layer). Architectures follow the papers' reference code (shared spec METHODS.md).
/// </summary>
public static class ModelZoo
{
    /// <summary>Names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["mlp", "lenet5", "gnm-lenet", "gnm-alexnet", "madry-cnn", "madry-cnn-bn", "margin-lenet"];

    /// <summary>Builds the model a spec describes (weights drawn from the default generator: seed it first).</summary>
    public static Sequential Create(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if ((spec.Mean is null) != (spec.Std is null))
        {
            throw new ArgumentException("a model spec needs both mean and std for its standardisation, or neither", nameof(spec));
        }

        var initialize = Initializer(spec.Initialization);
        var network = CreateNetwork(spec);
        if (initialize is not null)
        {
            Initialize(network, initialize);
        }

        if (spec.Mean is null)
        {
            return network;
        }

        // Prepend the standardisation: the network's own layers keep their relative order and names shift by one.
        var layers = network.Layers.ToList();
        var model = new Sequential(new Standardize(spec.Mean, spec.Std!));
        foreach (var layer in layers)
        {
            model.Add(layer);
        }

        return model;
    }

    /// <summary>The values <see cref="ModelSpec.Initialization"/> may take besides null (PyTorch's defaults).</summary>
    public static IReadOnlyList<string> Initializations { get; } = ["tf-tutorial", "glorot-uniform"];

    /// <summary>What <paramref name="initialization"/> does to a layer's weight and bias; null for PyTorch's defaults.</summary>
    private static Action<Tensor, Tensor?>? Initializer(string? initialization) => initialization switch
    {
        null => null,
        "tf-tutorial" => (weight, bias) =>
        {
            Init.TruncNormal_(weight, 0, 0.1, -0.2, 0.2);
            if (bias is not null)
            {
                Init.Constant_(bias, 0.1);
            }
        },
        "glorot-uniform" => (weight, bias) =>
        {
            Init.XavierUniform_(weight);
            if (bias is not null)
            {
                Init.Zeros_(bias);
            }
        },
        _ => throw new ArgumentException(
            $"unknown initialization '{initialization}'; known: {string.Join(", ", Initializations)} (or none for PyTorch's defaults)"),
    };

    private static void Initialize(Module network, Action<Tensor, Tensor?> initialize)
    {
        foreach (var (_, module) in network.NamedModules())
        {
            switch (module)
            {
                case Linear linear:
                    initialize(linear.Weight, linear.Bias);
                    break;
                case Conv2d conv:
                    initialize(conv.Weight, conv.Bias);
                    break;
            }
        }
    }

    private static Sequential CreateNetwork(ModelSpec spec)
    {
        return spec.Architecture switch
        {
            "mlp" => Mlp(spec.Channels * spec.ImageSize * spec.ImageSize, spec.Widths ?? [1200, 1200, 1200], spec.Classes, spec.Dropout),
            "lenet5" => LeNet5(spec.Channels, spec.ImageSize, spec.Classes),
            "gnm-lenet" => GaussianLeNet(spec.Channels, spec.ImageSize, spec.Classes),
            "gnm-alexnet" => SmallAlexNet(spec.Channels, spec.ImageSize, spec.Classes),
            "madry-cnn" => MadryCnn(spec.Channels, spec.ImageSize, spec.Classes, spec.Dropout),
            "madry-cnn-bn" => MadryCnn(spec.Channels, spec.ImageSize, spec.Classes, spec.Dropout, batchNorm: true),
            "margin-lenet" => MarginLeNet(spec.Channels, spec.ImageSize, spec.Classes, spec.Dropout),
            _ => throw new ArgumentException(
                $"unknown model '{spec.Architecture}'; known: {string.Join(", ", Names)}", nameof(spec)),
        };
    }

    /// <summary>Fully connected ReLU network: Flatten → (Linear → ReLU [→ Dropout])* → Linear.</summary>
    public static Sequential Mlp(long inputs, IReadOnlyList<int> widths, long classes, double dropout = 0)
    {
        var model = new Sequential(new Flatten());
        var previous = inputs;
        foreach (var width in widths)
        {
            model.Add(new Linear(previous, width)).Add(new ReLU());
            if (dropout > 0)
            {
                model.Add(new Dropout(dropout));
            }

            previous = width;
        }

        return model.Add(new Linear(previous, classes));
    }

    /// <summary>
    /// LeNet-5: conv 6@5×5 (padding 2 on 28×28 inputs, none on 32×32) → ReLU → max-pool 2 → conv 16@5×5 → ReLU →
    /// max-pool 2 → fc 120 → ReLU → fc 84 → ReLU → fc 10. 61,706 parameters for MNIST.
    /// </summary>
    public static Sequential LeNet5(long channels = 1, int imageSize = 28, long classes = 10)
    {
        var padding = imageSize switch
        {
            28 => 2,
            32 => 0,
            _ => throw new ArgumentException($"lenet5 takes 28×28 or 32×32 inputs, not {imageSize}×{imageSize}", nameof(imageSize)),
        };
        return new Sequential(
            new Conv2d(channels, 6, 5, padding: padding), new ReLU(), new MaxPool2d(2),
            new Conv2d(6, 16, 5), new ReLU(), new MaxPool2d(2),
            new Flatten(),
            new Linear(16 * 5 * 5, 120), new ReLU(),
            new Linear(120, 84), new ReLU(),
            new Linear(84, classes));
    }

    /// <summary>
    /// The moment-regularizer paper's LeNet (network_moments): Conv(C→32, 5, pad 2) → MaxPool 2 → ReLU →
    /// Conv(32→64, 5, pad 2) → MaxPool 2 → ReLU → Flatten → Linear(64·(s/4)²→1024) → ReLU → Linear(1024→K).
    /// The pool-before-ReLU order is the reference's; the regularizer swaps the first pair (they commute).
    /// </summary>
    public static Sequential GaussianLeNet(long channels = 1, int imageSize = 28, long classes = 10)
    {
        var side = RequireFeatureMap("gnm-lenet", imageSize, imageSize / 4, 4);
        return new Sequential(
            new Conv2d(channels, 32, 5, padding: 2), new MaxPool2d(2), new ReLU(),
            new Conv2d(32, 64, 5, padding: 2), new MaxPool2d(2), new ReLU(),
            new Flatten(),
            new Linear(64L * side * side, 1024), new ReLU(),
            new Linear(1024, classes));
    }

    /// <summary>
    /// The moment-regularizer paper's AlexNet for small inputs (&lt; 64 px), dropouts removed:
    /// Conv(C→64, 11, s4, p5) → MaxPool 2 → ReLU → Conv(64→192, 5, p2) → MaxPool(2, s2′) → ReLU →
    /// Conv(192→384, 3, p1) → ReLU → Conv(384→256, 3, p1) → ReLU → Conv(256→256, 3, p1) → MaxPool 2 → ReLU →
    /// Flatten → Linear(256→4096) → ReLU → Linear(4096→4096) → ReLU → Linear(4096→K), s2′ = 1 below 29 px else 2.
    /// </summary>
    public static Sequential SmallAlexNet(long channels = 3, int imageSize = 32, long classes = 10)
    {
        if (imageSize >= 64)
        {
            throw new ArgumentException("gnm-alexnet is the small-input variant (images under 64 px)", nameof(imageSize));
        }

        long secondStride = imageSize < 29 ? 1 : 2;
        var flat = RequireFeatureMap("gnm-alexnet", imageSize, (imageSize + 19) / 40, 21);
        return new Sequential(
            new Conv2d(channels, 64, 11, stride: 4, padding: 5), new MaxPool2d(2), new ReLU(),
            new Conv2d(64, 192, 5, padding: 2), new MaxPool2d(2, secondStride), new ReLU(),
            new Conv2d(192, 384, 3, padding: 1), new ReLU(),
            new Conv2d(384, 256, 3, padding: 1), new ReLU(),
            new Conv2d(256, 256, 3, padding: 1), new MaxPool2d(2), new ReLU(),
            new Flatten(),
            new Linear(256L * flat * flat, 4096), new ReLU(),
            new Linear(4096, 4096), new ReLU(),
            new Linear(4096, classes));
    }

    /// <summary>
    /// The TensorFlow-tutorial MNIST CNN ("Madry" net): Conv 32@5×5 SAME → ReLU → MaxPool 2 → Conv 64@5×5 SAME →
    /// ReLU → MaxPool 2 → FC 1024 → ReLU [→ Dropout] → FC K. With <paramref name="batchNorm"/> (<c>madry-cnn-bn</c>), as
    /// TF-slim builds it for Ross &amp; Doshi-Velez's MNIST model: a batch norm before each of the three ReLUs, the layer
    /// before it without bias, shifting but not scaling (its weight stays 1 and is not trained), ε = 1e-3 and momentum
    /// 0.1 (slim's decay 0.9).
    /// </summary>
    public static Sequential MadryCnn(long channels = 1, int imageSize = 28, long classes = 10, double dropout = 0, bool batchNorm = false)
    {
        // The convolutions keep the size and each pool floors it by half: floor(floor(s / 2) / 2) = floor(s / 4).
        var side = RequireFeatureMap(batchNorm ? "madry-cnn-bn" : "madry-cnn", imageSize, imageSize / 4, 4);
        var model = new Sequential();
        Activated(new Conv2d(channels, 32, 5, padding: 2, bias: !batchNorm), () => new BatchNorm2d(32, 1e-3));
        model.Add(new MaxPool2d(2));
        Activated(new Conv2d(32, 64, 5, padding: 2, bias: !batchNorm), () => new BatchNorm2d(64, 1e-3));
        model.Add(new MaxPool2d(2)).Add(new Flatten());
        Activated(new Linear(64L * side * side, 1024, bias: !batchNorm), () => new BatchNorm1d(1024, 1e-3));
        if (dropout > 0)
        {
            model.Add(new Dropout(dropout));
        }

        return model.Add(new Linear(1024, classes));

        // layer [→ shift-only batch norm] → ReLU
        void Activated(Module layer, Func<BatchNorm> norm)
        {
            model.Add(layer);
            if (batchNorm)
            {
                var shiftOnly = norm();
                shiftOnly.Weight!.RequiresGrad = false;
                model.Add(shiftOnly);
            }

            model.Add(new ReLU());
        }
    }

    /// <summary>
    /// The margin / adversary-critic LeNet-5 variant: Conv 32@5×5 VALID → ReLU → MaxPool 2 → Conv 64@5×5 VALID →
    /// ReLU → MaxPool 2 → FC 512 → ReLU [→ Dropout] → FC K.
    /// </summary>
    public static Sequential MarginLeNet(long channels = 1, int imageSize = 28, long classes = 10, double dropout = 0)
    {
        var side = RequireFeatureMap("margin-lenet", imageSize, ((imageSize - 4) / 2 - 4) / 2, 16);
        var model = new Sequential(
            new Conv2d(channels, 32, 5), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 5), new ReLU(), new MaxPool2d(2),
            new Flatten(),
            new Linear(64L * side * side, 512), new ReLU());
        if (dropout > 0)
        {
            model.Add(new Dropout(dropout));
        }

        return model.Add(new Linear(512, classes));
    }

    /// <summary>
    /// The side of the last feature map, or a clear error where the image is too small to survive the
    /// convolutions and pools (libtorch would otherwise fail later, deep inside a layer).
    /// </summary>
    private static long RequireFeatureMap(string architecture, int imageSize, long side, int smallest) =>
        side >= 1
            ? side
            : throw new ArgumentException(
                $"{architecture} needs images of at least {smallest}×{smallest}, not {imageSize}×{imageSize}", nameof(imageSize));
}
