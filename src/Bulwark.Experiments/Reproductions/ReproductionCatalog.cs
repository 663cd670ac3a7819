using Bulwark.Attacks;
using Bulwark.Defenses.Objectives;
using Bulwark.Defenses.Training;
using Bulwark.Torch.Models;

namespace Bulwark.Experiments;

/// <summary>
/// The paper results <c>bulwark reproduce</c> knows, each in the paper's protocol (METHODS §2–3) and in a reduced
/// <c>--quick</c> variant that finishes in minutes on a laptop CPU (a smoke test of the whole pipeline, not a
/// reproduction: its numbers are not the paper's).
/// </summary>
public static class ReproductionCatalog
{
    /// <summary>Jakubovitz &amp; Giryes, Table 2 and Figures 1–2: Jacobian regularization as post-processing.</summary>
    public const string JacobianTable2 = "jacobian-table2";

    /// <summary>Matyasko &amp; Chau, Table 3.1b: deep margin maximization on LeNet-5.</summary>
    public const string MarginLeNet5 = "margin-lenet5";

    /// <summary>Ross &amp; Doshi-Velez: input-gradient regularization ("double backprop") against FGSM.</summary>
    public const string DoubleBackprop = "double-backprop";

    public static IReadOnlyList<string> Names { get; } = [JacobianTable2, MarginLeNet5, DoubleBackprop];

    /// <summary>The reproduction called <paramref name="name"/>, or its reduced variant.</summary>
    public static Reproduction Get(string name, bool quick = false) => name switch
    {
        JacobianTable2 => Jacobian(quick),
        MarginLeNet5 => Margin(quick),
        DoubleBackprop => InputGradient(quick),
        _ => throw new ArgumentException($"unknown reproduction '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>
    /// <paramref name="reproduction"/> reduced: every run trains at most <paramref name="epochs"/> epochs, on the first
    /// <paramref name="trainSamples"/> training images, measured on the first <paramref name="testSamples"/> test images
    /// (FGSM and JSMA on at most as many), and only the runs in <paramref name="runs"/> (with the runs they start from).
    /// Null leaves a setting as it is. The changes are listed in <see cref="Reproduction.Overrides"/> and the report.
    /// </summary>
    /// <exception cref="ArgumentException">A count below 1 or an unknown run id.</exception>
    public static Reproduction Override(Reproduction reproduction, int? epochs = null, int? trainSamples = null, int? testSamples = null,
        IReadOnlyCollection<string>? runs = null)
    {
        ArgumentNullException.ThrowIfNull(reproduction);
        if (epochs < 1 || trainSamples < 1 || testSamples < 1)
        {
            throw new ArgumentException("epochs, training and test samples must each be at least 1");
        }

        var overrides = reproduction.Overrides.ToList();
        var plan = reproduction.Runs.ToList();
        if (runs is { Count: > 0 })
        {
            var unknown = runs.Where(id => plan.All(r => r.Id != id)).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException(
                    $"unknown run '{unknown[0]}' in {reproduction.Name}; its runs: {string.Join(", ", plan.Select(r => r.Id))}");
            }

            var keep = new HashSet<string>(runs);
            for (var i = plan.Count - 1; i >= 0; i--)
            {
                if (keep.Contains(plan[i].Id) && plan[i].InitFrom is { } from)
                {
                    keep.Add(from);
                }
            }

            plan = plan.Where(r => keep.Contains(r.Id)).ToList();
            overrides.Add($"runs: {string.Join(", ", plan.Select(r => r.Id))}");
        }

        if (epochs is { } e)
        {
            plan = plan.Select(r => r with { Training = r.Training with { Epochs = Math.Min(e, r.Training.Epochs) } }).ToList();
            overrides.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"at most {e} epochs per run"));
        }

        var evaluation = reproduction.Evaluation;
        if (testSamples is { } t)
        {
            evaluation = evaluation with
            {
                TestSamples = t,
                FgsmSamples = evaluation.FgsmSamples is { } f ? Math.Min(f, t) : null,
                JsmaSamples = evaluation.JsmaSamples is { } j ? Math.Min(j, t) : null,
            };
            overrides.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{t} test images"));
        }

        if (trainSamples is { } n)
        {
            overrides.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{n} training images"));
        }

        return reproduction with
        {
            Runs = plan,
            Evaluation = evaluation,
            TrainSamples = trainSamples ?? reproduction.TrainSamples,
            Overrides = overrides,
        };
    }

    /// <summary>The effective per-sample weight of Ross &amp; Doshi-Velez's chosen λ = 10^4.75 at their batch of 256 (METHODS §2c).</summary>
    private static readonly double RossPerSampleLambda = Math.Pow(10, 4.75) / (2 * 256);

    private static Reproduction Jacobian(bool quick)
    {
        // TF-tutorial CNN with its initialisation and dropout 0.5 on the FC layer, [0, 1] inputs; Adam 1e-4, batch 500,
        // L2 loss 1e-3·Σw²/2 on the hidden layers' weights: 20001 plain iterations then 4500 iterations of
        // post-processing with a fresh Adam.
        var model = new ModelSpec { Architecture = "madry-cnn", Dropout = 0.5, Initialization = "tf-tutorial" };
        var decay = new TrainerOptions { WeightDecay = 1e-3, WeightDecayOn = "hidden-weights", Dataset = "mnist" };
        var plain = quick
            ? decay with { Epochs = 3, BatchSize = 100, LearningRate = 1e-3 }
            : decay with { Epochs = 1000, MaxSteps = 20_001, BatchSize = 500, LearningRate = 1e-4 };
        var post = quick ? plain with { Epochs = 1 } : plain with { MaxSteps = 4500 };
        // adversarial training: FGSM at ε = 0.3 on 10% of each batch, the best fraction of the paper's Table 7
        var at = new ObjectiveSettings { Epsilon = 0.3, PerturbedFraction = 0.1, CleanWeight = 0 };
        // the reference's Jacobian: rows of the flattened logits' first 10 entries, i.e. the batch's first sample
        var jacobian = new ObjectiveSettings { Lambda = 0.1, ReferenceCompatible = true };
        var inputGradient = new ObjectiveSettings { Lambda = RossPerSampleLambda };
        ObjectiveSettings WithAt(ObjectiveSettings settings) =>
            settings with { Epsilon = at.Epsilon, PerturbedFraction = at.PerturbedFraction, CleanWeight = at.CleanWeight };
        ReproductionRun Post(string id, string label, string objective, ObjectiveSettings settings) =>
            new(id, label, model, post, objective, settings, InitFrom: "plain");
        return new Reproduction
        {
            Name = JacobianTable2,
            Quick = quick,
            Title = "Jacobian regularization as post-processing (MNIST)",
            Source = "Jakubovitz & Giryes, ECCV 2018, Table 2 (DeepFool ρ̂_adv) and Figures 1–2 (FGSM, JSMA accuracy)",
            TrainSamples = quick ? 2000 : null,
            Runs =
            [
                new("plain", "No defense", model, plain, "ce", new ObjectiveSettings()),
                Post("at", "Adversarial Training", "fgsm-at", at),
                Post("input-gradient", "Input Gradient regularization", "input-gradient", inputGradient),
                Post("input-gradient-at", "Input Gradient regularization & Adversarial Training", "input-gradient+fgsm-at", WithAt(inputGradient)),
                Post("jacobian", "Jacobian regularization", "jacobian", jacobian),
                Post("jacobian-at", "Jacobian regularization & Adversarial Training", "jacobian+fgsm-at", WithAt(jacobian)),
            ],
            Evaluation = new ReproductionEvaluation
            {
                TestSamples = quick ? 200 : 10_000,
                DeepFool = DeepFoolOptions.Lts4 with { Box = DeepFoolBoxHandling.ClampEachStep },
                DeepFoolOnPrediction = true,
                Rho = RhoConvention.OverAll,
                FgsmEpsilons = quick ? [0, 0.1, 0.2, 0.3] : [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
                JsmaThetas = quick ? [1.0] : [0.2, 0.4, 0.6, 0.8, 1.0],
                JsmaSamples = quick ? 40 : 1000,
                JsmaMaxDistortion = 80.0 / 784,
            },
            Paper = new Dictionary<string, PaperValues>
            {
                ["No defense"] = new() { Accuracy = 0.9908, Rho = 0.2067 },
                ["Adversarial Training"] = new() { Accuracy = 0.9903, Rho = 0.2238 },
                ["Input Gradient regularization"] = new() { Accuracy = 0.9925, Rho = 0.2343 },
                ["Input Gradient regularization & Adversarial Training"] = new() { Accuracy = 0.9888, Rho = 0.2349 },
                ["Jacobian regularization"] = new() { Accuracy = 0.9844, Rho = 0.3424 },
                ["Jacobian regularization & Adversarial Training"] = new() { Accuracy = 0.98, Rho = 0.3629 },
            },
            Checks =
            [
                new("Jacobian regularization raises ρ̂_adv at least 1.5× (paper 0.207 → 0.342)", "rho", "jacobian", "plain", Factor: 1.5),
                new("Jacobian regularization keeps test accuracy within 1 point", "accuracy", "jacobian", "plain", Offset: -0.01),
                // the orders of Figures 1-2 that the text states for MNIST (§4.2, §4.3, §5), on the curves' mean heights
                new("FGSM (Fig. 1): Jacobian regularization above input gradient regularization", "fgsm-mean", "jacobian", "input-gradient"),
                new("FGSM (Fig. 1): Jacobian regularization above adversarial training", "fgsm-mean", "jacobian", "at"),
                new("FGSM (Fig. 1): Jacobian regularization & AT above Jacobian regularization alone", "fgsm-mean", "jacobian-at", "jacobian"),
                new("JSMA (Fig. 2): input gradient regularization above Jacobian regularization on MNIST", "jsma-mean", "input-gradient", "jacobian"),
            ],
            Notes =
            [
                "Adversarial training: FGSM ε = 0.3 on 10% of each batch (Table 7's best fraction); the paper does not give its ε.",
                "Input gradient: the per-sample weight equivalent to Ross & Doshi-Velez's λ = 10^4.75 at batch 256; the paper does not give its λ.",
                "DeepFool (LTS4 variant) keeps its iterate in [0, 1] each step: the attack contract returns in-box points, and an unboxed DeepFool perturbation clipped once at the end mostly stops being adversarial.",
                "All defenses fine-tune the same plain model with a fresh Adam (the paper's post-processing protocol).",
                "As the reference: weights from a normal of std 0.1 truncated at ±2 std and biases 0.1 (TensorFlow's MNIST tutorial), and the L2 loss 1e-3·Σw²/2 on conv1, conv2 and fc1 in both phases (Adam's coupled weight decay on those weights).",
                "Jacobian regularization as the reference computes it: ‖J‖_F of the batch's first sample only (its code takes the Jacobian rows of the flattened logits' first 10 entries), λ = 0.1. That sample's forward pass is run again on its own, so its dropout mask is a new draw.",
                "60,000 training images (tf's input_data keeps 55,000), so 20,001 and 4500 iterations are fewer epochs than the reference's.",
                "Figures 1-2 are checked in the orders the paper's text states for MNIST, each curve summarised by its mean height (FGSM over ε > 0, JSMA over θ); the text also calls Jacobian regularization and AT similar under JSMA, which is not a check.",
            ],
        };
    }

    private static Reproduction Margin(bool quick)
    {
        // the reference divides pixels by 256: a Standardize layer with std 256/255 makes [0, 1] inputs exactly that
        var model = new ModelSpec { Architecture = "margin-lenet", Mean = [0], Std = [256.0 / 255] };
        var training = new TrainerOptions
        {
            Epochs = quick ? 2 : 100,
            BatchSize = 100,
            LearningRate = 1e-3,
            LearningRateDecay = 0.95,
            ValidationSplit = quick ? 0 : 1.0 / 6,
            Dataset = "mnist",
        };
        var pixelEpsilon = 0.2 * 256 / 255;
        ReproductionRun Run(string id, string label, string objective, ObjectiveSettings settings, ModelSpec? spec = null) =>
            new(id, label, spec ?? model, training, objective, settings);
        return new Reproduction
        {
            Name = MarginLeNet5,
            Quick = quick,
            Title = "Deep margin maximization on LeNet-5 (MNIST)",
            Source = "Matyasko & Chau, IJCNN 2017 / thesis Table 3.1b (error, FGSM ε = 0.2 error, DeepFool ρ_adv)",
            TrainSamples = quick ? 3000 : null,
            Runs =
            [
                Run("baseline", "Lenet-5 baseline", "margin-l2", new ObjectiveSettings { Lambda = 0 }),
                Run("dropout", "Dropout", "margin-l2", new ObjectiveSettings { Lambda = 0 }, model with { Dropout = 0.5 }),
                Run("at", "AT", "margin-l2+fgsm-at", new ObjectiveSettings { Lambda = 0, Epsilon = 0.2, CleanWeight = 0.5, Box = (0, 255.0 / 256) }),
                Run("margin-l1", "Our l1", "margin-l1", new ObjectiveSettings { Lambda = 0.01 }),
                Run("margin-l2", "Our l2", "margin-l2", new ObjectiveSettings { Lambda = 0.1 }),
            ],
            Evaluation = new ReproductionEvaluation
            {
                TestSamples = quick ? 300 : 10_000,
                DeepFool = DeepFoolOptions.MarginMaximization with { Box = DeepFoolBoxHandling.ClampEachStep },
                DeepFoolOnPrediction = false,
                Rho = RhoConvention.OverSuccessful,
                FgsmEpsilons = [pixelEpsilon],
                BatchSize = 500,
            },
            Paper = new Dictionary<string, PaperValues>
            {
                ["Lenet-5 baseline"] = new() { Accuracy = 1 - 0.0072, Rho = 0.154, FgsmAccuracy = new Dictionary<double, double> { [pixelEpsilon] = 1 - 0.7214 } },
                ["Dropout"] = new() { Accuracy = 1 - 0.0058, Rho = 0.170, FgsmAccuracy = new Dictionary<double, double> { [pixelEpsilon] = 1 - 0.6166 } },
                ["AT"] = new() { Accuracy = 1 - 0.0073, Rho = 0.200, FgsmAccuracy = new Dictionary<double, double> { [pixelEpsilon] = 1 - 0.0495 } },
                ["Our l1"] = new() { Accuracy = 1 - 0.0064, Rho = 0.222, FgsmAccuracy = new Dictionary<double, double> { [pixelEpsilon] = 1 - 0.2047 } },
                ["Our l2"] = new() { Accuracy = 1 - 0.0062, Rho = 0.217, FgsmAccuracy = new Dictionary<double, double> { [pixelEpsilon] = 1 - 0.2826 } },
            },
            Checks =
            [
                new("ℓ2 margin (C = 0.1) raises ρ_adv at least 1.3× (paper 0.154 → 0.217)", "rho", "margin-l2", "baseline", Factor: 1.3),
                new("ℓ2 margin keeps the test error at most 1%", "error", "margin-l2", Offset: 0.01, AtMost: true),
                new("FGSM-AT at ε = 0.2 brings the FGSM error under 10% (paper 4.95%)", $"fgsm-error:{pixelEpsilon.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", "at", Offset: 0.10, AtMost: true),
            ],
            Notes =
            [
                "Baseline, dropout and AT train the multiclass hinge loss without the margin term (C = 0), as the reference's script does with C = 0.",
                "AT: Goodfellow's mixture (α = 0.5) of the clean and the FGSM ε = 0.2 hinge loss, in the network's input space (x/256).",
                "FGSM and ρ_adv are measured in pixel space [0, 1]; ε = 0.2 of the network's x/256 input is 0.2·256/255 there, and ρ_adv is scale-free.",
                "DeepFool (the margin code's variant: all classes, steps capped at 0.5) keeps its iterate in [0, 1] each step; the reference does not clip, and an unboxed perturbation clipped once at the end mostly stops being adversarial.",
                "One seed, not ten runs.",
            ],
        };
    }

    private static Reproduction InputGradient(bool quick)
    {
        // the MNIST CNN of the reference (TF-tutorial shape as TF-slim builds it: batch norm, Glorot weights; dropout
        // 0.5), Adam 2e-4 with ε = 1e-4, batch 256, 15,000 batches
        var model = new ModelSpec { Architecture = "madry-cnn-bn", Dropout = 0.5, Initialization = "glorot-uniform" };
        var training = quick
            ? new TrainerOptions { Epochs = 3, BatchSize = 256, LearningRate = 1e-3, Epsilon = 1e-4, Dataset = "mnist" }
            : new TrainerOptions { Epochs = 1000, MaxSteps = 15_000, BatchSize = 256, LearningRate = 2e-4, Epsilon = 1e-4, Dataset = "mnist" };
        return new Reproduction
        {
            Name = DoubleBackprop,
            Quick = quick,
            Title = "Input-gradient regularization (\"double backprop\") against FGSM (MNIST)",
            Source = "Ross & Doshi-Velez, AAAI 2018, the reference notebook's MNIST FGSM accuracies (first 256 test images)",
            TrainSamples = quick ? 3000 : null,
            Runs =
            [
                new("normal", "Normal", model, training, "ce", new ObjectiveSettings()),
                new("double-backprop", "Double backprop", model, training, "input-gradient",
                    new ObjectiveSettings { Lambda = Math.Pow(10, 4.75), ReferenceCompatible = true }),
            ],
            Evaluation = new ReproductionEvaluation
            {
                TestSamples = quick ? 256 : 10_000,
                FgsmEpsilons = [0.1, 0.2, 0.3],
                FgsmSamples = 256,
            },
            Paper = new Dictionary<string, PaperValues>
            {
                ["Normal"] = new() { Accuracy = 0.9930, FgsmAccuracy = new Dictionary<double, double> { [0.1] = 0.727, [0.2] = 0.277, [0.3] = 0.113 } },
                ["Double backprop"] = new() { Accuracy = 0.9942, FgsmAccuracy = new Dictionary<double, double> { [0.1] = 0.922, [0.2] = 0.652, [0.3] = 0.277 } },
            },
            Checks =
            [
                new("FGSM ε = 0.1 accuracy at least 15 points above the plain model's", "fgsm:0.1", "double-backprop", "normal", Offset: 0.15),
            ],
            Notes =
            [
                "λ = 10^4.75 in the reference's convention (½‖∇ of the batch-mean loss‖²), the paper's chosen MNIST value.",
                "As the reference: batch norm after each convolution and the FC 1024 layer (shift only, ε 1e-3, decay 0.9), Glorot-uniform weights, Adam ε = 1e-4. The input gradient of the batch-mean loss goes through the batch norm's batch statistics, as in the reference's graph.",
                "Batches are shuffled each epoch (the reference iterates in order).",
            ],
        };
    }
}
