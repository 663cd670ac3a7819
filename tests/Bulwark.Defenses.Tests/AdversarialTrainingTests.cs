using Bulwark.Attacks;
using Bulwark.Defenses.Objectives;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Defenses.Tests;

using Torch = Bulwark.Torch.Torch;

/// <summary>
/// Adversarial training against oracles: every input it trains on lies in the ε-ball and the box (seen by a spy module),
/// the attack runs in evaluation mode and training resumes in training mode, the perturbed fraction is exact and seeded,
/// and the loss is α·CE(x) + (1 − α)·CE(x_adv) with x_adv made here from central differences and CE summed on the host.
/// </summary>
public sealed class AdversarialTrainingTests
{
    private const int BatchSize = 10;

    /// <summary>Passes the input through and records, for every forward pass, a copy of the input, the mode and whether parameters trained.</summary>
    private sealed class Spy : Module
    {
        private readonly Module inner;

        public Spy(Module inner) => this.inner = RegisterModule("inner", inner);

        public List<(double[] Input, bool Training, bool ParametersTrain)> Calls { get; } = [];

        public override Tensor Forward(Tensor input)
        {
            Calls.Add((input.Detach().ToArray<double>(), Training, Parameters().All(p => p.RequiresGrad)));
            return inner.Forward(input);
        }
    }

    /// <summary>An inner objective that records what it is given, then trains plain cross-entropy.</summary>
    private sealed class SpyObjective : ITrainingObjective
    {
        public List<(double[] Input, bool Training)> Calls { get; } = [];

        public string Name => "spy";

        public ObjectiveResult Compute(Module model, Tensor inputs, Tensor labels)
        {
            Calls.Add((inputs.ToArray<double>(), model.Training));
            return new CrossEntropyObjective().Compute(model, inputs, labels);
        }
    }

    public static TheoryData<string, double, double> Attacks => new()
    {
        { "fgsm", 0.5, 0.1 },
        { "fgsm", 0.0, 0.25 },
        { "pgd", 0.0, 0.1 },
        { "pgd", 0.3, 0.3 },
    };

    private static FixedEpsilonAttack AttackNamed(string name) => name == "fgsm"
        ? new FastGradientMethod(Norm.Linf)
        : new ProjectedGradientDescent(Norm.Linf, new PgdOptions { Steps = 5, StepSize = 0.05, StopWhenAdversarial = false });

    [Theory]
    [MemberData(nameof(Attacks))]
    public void Should_TrainOnlyOnInputsInsideTheBallAndTheBox_When_AttacksRunInEvaluationMode(string attack, double alpha, double epsilon)
    {
        // Given: a box narrower than [0, 1], and inputs near its faces, so the box clamp matters
        using var scope = TensorScope.Begin();
        var spy = new Spy(TinyNet());
        spy.Train();
        var box = new Bounds(0.1, 0.9);
        var (inputs, labels) = Batch(low: 0.1, high: 0.9);
        var objective = new AdversarialTraining(AttackNamed(attack), epsilon, cleanWeight: alpha, bounds: box, seed: 4);
        Torch.ManualSeed(1);

        // When
        var result = objective.Compute(spy, inputs, labels);

        // Then
        var clean = inputs.ToArray<double>();
        var trained = spy.Calls.Where(c => c.Training).ToList();
        var attacking = spy.Calls.Where(c => !c.Training).ToList();
        trained.Count.ShouldBe(alpha > 0 ? 2 : 1);
        attacking.Count.ShouldBe(attack == "fgsm" ? 1 : 5);
        attacking.ShouldAllBe(c => !c.ParametersTrain, "the attack must not train the parameters");
        trained.ShouldAllBe(c => c.ParametersTrain);
        spy.Training.ShouldBeTrue();
        var moved = 0.0;
        foreach (var (input, _, _) in trained)
        {
            input.Length.ShouldBe(clean.Length);
            for (var j = 0; j < clean.Length; j++)
            {
                input[j].ShouldBeInRange(box.Low, box.High);
                Math.Abs(input[j] - clean[j]).ShouldBeLessThanOrEqualTo(epsilon + 1e-12);
                moved = Math.Max(moved, Math.Abs(input[j] - clean[j]));
            }
        }

        moved.ShouldBeGreaterThan(epsilon / 2, "the adversarial batch must move, or the check proves nothing");
        result.Loss.RequiresGrad.ShouldBeTrue();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Should_EqualTheAlphaMixtureOfCleanAndFgsmCrossEntropies_When_TheAdversarialBatchIsBuiltFromCentralDifferences(double alpha)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch(low: 0, high: 1);
        const double epsilon = 0.1;
        var x = inputs.ToArray<double>();
        var y = labels.ToArray<long>();
        var adversarial = new double[x.Length];
        const int features = 6;
        for (var i = 0; i < BatchSize; i++)
        {
            for (var j = 0; j < features; j++)
            {
                var k = i * features + j;
                const double h = 1e-6;
                var slope = (CrossEntropyOfRow(model, x, y, i, k, h) - CrossEntropyOfRow(model, x, y, i, k, -h)) / (2 * h);
                Math.Abs(slope).ShouldBeGreaterThan(1e-6, "a vanishing slope would leave its sign to rounding");
                adversarial[k] = Math.Clamp(x[k] + epsilon * Math.Sign(slope), 0, 1);
            }
        }

        var expected = alpha * MeanCrossEntropy(model, x, y) + (1 - alpha) * MeanCrossEntropy(model, adversarial, y);

        // When
        var result = new AdversarialTraining(new FastGradientMethod(), epsilon, cleanWeight: alpha).Compute(model, inputs, labels);

        // Then
        result.Loss.ToDouble().ShouldBe(expected, tolerance: 1e-12);
        var expectedLogits = Logits(model, alpha > 0 ? x : adversarial);
        result.Logits.ToArray<double>().Zip(expectedLogits).ShouldAllBe(p => Math.Abs(p.First - p.Second) < 1e-12);
    }

    [Theory]
    [InlineData(0.3, 3)]
    [InlineData(0.25, 3)]
    [InlineData(0.24, 2)]
    [InlineData(0.01, 1)]
    [InlineData(0.0, 0)]
    [InlineData(1.0, 10)]
    public void Should_ReplaceExactlyRoundFTimesBRows_When_AFractionIsPerturbed(double fraction, int expectedRows)
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch(low: 0.2, high: 0.8);
        var objective = new AdversarialTraining(new FastGradientMethod(), 0.1, perturbedFraction: fraction, seed: 8);
        Torch.ManualSeed(3);
        var fgsmOfAll = new FastGradientMethod().Perturb(new AttackModel(model), inputs, new Misclassification(labels), 0.1).ToArray<double>();

        // When
        var perturbed = objective.Perturbed(model, inputs, labels).ToArray<double>();

        // Then: changed rows are FGSM's rows (samples do not interact), the others bit-for-bit the inputs
        objective.PerturbedCount(BatchSize).ShouldBe(expectedRows);
        ChangedRows(inputs.ToArray<double>(), perturbed).Count.ShouldBe(expectedRows);
        var clean = inputs.ToArray<double>();
        for (var k = 0; k < perturbed.Length; k++)
        {
            (perturbed[k] == clean[k] || Math.Abs(perturbed[k] - fgsmOfAll[k]) < 1e-12).ShouldBeTrue($"element {k}");
        }
    }

    [Fact]
    public void Should_DrawTheSameRows_When_SeedsRepeat_And_OtherRows_When_TheSeedOrTheGlobalStreamChanges()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        var (inputs, labels) = Batch(low: 0.2, high: 0.8);
        var clean = inputs.ToArray<double>();
        List<int> RowsFor(ulong seed, ulong global)
        {
            Torch.ManualSeed(global);
            var objective = new AdversarialTraining(new FastGradientMethod(), 0.1, perturbedFraction: 0.5, seed: seed);
            return ChangedRows(clean, objective.Perturbed(model, inputs, labels).ToArray<double>());
        }

        // When
        var first = RowsFor(1, 1);
        var again = RowsFor(1, 1);
        var otherSeeds = Enumerable.Range(2, 4).Select(s => RowsFor((ulong)s, 1)).ToList();
        var otherGlobal = Enumerable.Range(2, 4).Select(g => RowsFor(1, (ulong)g)).ToList();

        // Then: C(10, 5) = 252 subsets, so four equal draws in a row would be a broken seed
        again.ShouldBe(first);
        otherSeeds.ShouldContain(rows => !rows.SequenceEqual(first));
        otherGlobal.ShouldContain(rows => !rows.SequenceEqual(first));
    }

    [Fact]
    public void Should_GiveTheInnerObjectiveTheCleanAndTheMixedBatchInTrainingMode_When_AFractionIsPerturbed()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var model = TinyNet();
        model.Train();
        var (inputs, labels) = Batch(low: 0.2, high: 0.8);
        var inner = new SpyObjective();
        var objective = new AdversarialTraining(new FastGradientMethod(), 0.1, inner, cleanWeight: 0.5, perturbedFraction: 0.4);

        // When
        objective.Compute(model, inputs, labels);

        // Then
        inner.Calls.Count.ShouldBe(2);
        inner.Calls.ShouldAllBe(c => c.Training);
        inner.Calls[0].Input.ShouldBe(inputs.ToArray<double>());
        ChangedRows(inputs.ToArray<double>(), inner.Calls[1].Input).Count.ShouldBe(4);
    }

    [Fact]
    public void Should_RejectSettingsOutsideTheirRanges_When_Constructed()
    {
        var fgsm = new FastGradientMethod();
        Should.Throw<ArgumentOutOfRangeException>(() => new AdversarialTraining(fgsm, -0.1));
        Should.Throw<ArgumentOutOfRangeException>(() => new AdversarialTraining(fgsm, double.NaN));
        Should.Throw<ArgumentOutOfRangeException>(() => new AdversarialTraining(fgsm, 0.1, cleanWeight: 1.5));
        Should.Throw<ArgumentOutOfRangeException>(() => new AdversarialTraining(fgsm, 0.1, perturbedFraction: -0.1));
        Should.Throw<ArgumentException>(() => new AdversarialTraining(fgsm, 0.1, bounds: new Bounds(1, 0)));
        Should.Throw<ArgumentNullException>(() => new AdversarialTraining(null!, 0.1));
    }

    // ---- combinations by name ----

    [Fact]
    public void Should_WrapARegularizedObjective_When_AnAdversarialTrainingNameComesLast()
    {
        // When
        var jacobianAt = Objectives.Objectives.Create("jacobian+fgsm-at", new ObjectiveSettings());
        var gradientPgd = Objectives.Objectives.Create("input-gradient+pgd-at", new ObjectiveSettings());
        var ceAt = Objectives.Objectives.Create("ce+fgsm-at", new ObjectiveSettings());

        // Then
        var at = jacobianAt.ShouldBeOfType<AdversarialTraining>();
        at.Inner.ShouldBeOfType<RegularizedObjective>().Terms.ShouldHaveSingleItem().ShouldBeOfType<JacobianRegularizer>();
        at.Attack.ShouldBeOfType<FastGradientMethod>();
        at.Name.ShouldBe("jacobian+fgsm-at");
        var pgd = gradientPgd.ShouldBeOfType<AdversarialTraining>();
        pgd.Inner.ShouldBeOfType<RegularizedObjective>().Terms.ShouldHaveSingleItem().ShouldBeOfType<InputGradientRegularizer>();
        pgd.Attack.ShouldBeOfType<ProjectedGradientDescent>();
        ceAt.ShouldBeOfType<AdversarialTraining>().Inner.ShouldBeOfType<CrossEntropyObjective>();
        ceAt.Name.ShouldBe("fgsm-at");
    }

    [Fact]
    public void Should_AddRegularizersIntoOneObjective_When_NoAdversarialPartIsGiven()
    {
        // When
        var both = Objectives.Objectives.Create("jacobian+input-gradient", new ObjectiveSettings());
        var withCe = Objectives.Objectives.Create("ce+input-gradient", new ObjectiveSettings());

        // Then
        var terms = both.ShouldBeOfType<RegularizedObjective>().Terms;
        terms.Count.ShouldBe(2);
        terms[0].ShouldBeOfType<JacobianRegularizer>();
        terms[1].ShouldBeOfType<InputGradientRegularizer>();
        withCe.ShouldBeOfType<RegularizedObjective>().Terms.ShouldHaveSingleItem().ShouldBeOfType<InputGradientRegularizer>();
    }

    [Fact]
    public void Should_UseTheLiteratureDefaults_When_NoSettingIsGiven()
    {
        // When
        var fgsm = Objectives.Objectives.Create("fgsm-at", new ObjectiveSettings()).ShouldBeOfType<AdversarialTraining>();
        var pgd = Objectives.Objectives.Create("pgd-at", new ObjectiveSettings()).ShouldBeOfType<AdversarialTraining>();

        // Then: Goodfellow's mixture at the margin paper's ε; Madry's MNIST PGD
        (fgsm.Epsilon, fgsm.CleanWeight, fgsm.PerturbedFraction, fgsm.Bounds).ShouldBe((0.2, 0.5, 1.0, Bounds.Unit));
        fgsm.Attack.Norm.ShouldBe(Norm.Linf);
        (pgd.Epsilon, pgd.CleanWeight, pgd.PerturbedFraction).ShouldBe((0.3, 0.0, 1.0));
        var options = pgd.Attack.ShouldBeOfType<ProjectedGradientDescent>().Options;
        (options.Steps, options.StepSize, options.RandomStart, options.StopWhenAdversarial).ShouldBe((40, (double?)0.01, true, false));
    }

    [Fact]
    public void Should_ReadEverySetting_When_SettingsAreGiven()
    {
        // Given
        var settings = new ObjectiveSettings
        {
            Epsilon = 0.15, Steps = 7, StepSize = 0.02, CleanWeight = 0.25, PerturbedFraction = 0.4, Box = (-1, 1), Seed = 5,
        };

        // When
        var pgd = Objectives.Objectives.Create("pgd-at", settings).ShouldBeOfType<AdversarialTraining>();

        // Then
        (pgd.Epsilon, pgd.CleanWeight, pgd.PerturbedFraction, pgd.Bounds, pgd.Seed).ShouldBe((0.15, 0.25, 0.4, new Bounds(-1, 1), 5UL));
        var options = pgd.Attack.ShouldBeOfType<ProjectedGradientDescent>().Options;
        (options.Steps, options.StepSize).ShouldBe((7, (double?)0.02));
    }

    [Theory]
    [InlineData("fgsm-at+pgd-at")]
    [InlineData("fgsm-at+jacobian")]
    [InlineData("jacobian+fgsm-at+input-gradient")]
    [InlineData("jacobian+no-such-objective")]
    [InlineData("augment+fgsm-at")]
    [InlineData("jacobian+jacobian")]
    [InlineData("jacobian+")]
    public void Should_Refuse_When_ACombinationIsMalformed(string name)
    {
        Should.Throw<ArgumentException>(() => Objectives.Objectives.Create(name, new ObjectiveSettings()));
    }

    // ---- helpers ----

    private static Sequential TinyNet() => TinyTanhNet.Create();

    /// <summary>Ten 1×2×3 images uniform in [low, high] (float64) with labels 0, 1, 2, 0, ….</summary>
    private static (Tensor Inputs, Tensor Labels) Batch(double low, double high)
    {
        using var generator = new Generator(23);
        var labels = Enumerable.Range(0, BatchSize).Select(i => (long)(i % 3)).ToArray();
        return (Torch.Rand([BatchSize, 1, 2, 3], generator, DType.Float64).Mul(high - low).Add(low), Torch.FromArray(labels, BatchSize));
    }

    private static double[] Logits(Module model, double[] x)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        return model.Forward(Torch.FromArray(x, x.Length / 6, 1, 2, 3)).ToArray<double>();
    }

    /// <summary>Cross-entropy of every row, from the logits with a host-side log-sum-exp.</summary>
    private static double[] CrossEntropies(Module model, double[] x, long[] y)
    {
        var logits = Logits(model, x);
        var classes = logits.Length / y.Length;
        return y.Select((label, i) =>
        {
            var row = logits.Skip(i * classes).Take(classes).ToArray();
            var max = row.Max();
            return max + Math.Log(row.Sum(v => Math.Exp(v - max))) - row[label];
        }).ToArray();
    }

    private static double MeanCrossEntropy(Module model, double[] x, long[] y) => CrossEntropies(model, x, y).Average();

    private static double CrossEntropyOfRow(Module model, double[] x, long[] y, int row, int element, double shift)
    {
        var moved = (double[])x.Clone();
        moved[element] += shift;
        return CrossEntropies(model, moved, y)[row];
    }

    private static List<int> ChangedRows(double[] before, double[] after)
    {
        var perRow = before.Length / BatchSize;
        return Enumerable.Range(0, BatchSize)
            .Where(i => Enumerable.Range(i * perRow, perRow).Any(k => before[k] != after[k]))
            .ToList();
    }
}
