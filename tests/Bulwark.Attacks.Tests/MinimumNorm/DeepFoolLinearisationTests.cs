using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks.Tests;

public sealed class DeepFoolLinearisationTests
{
    /// <summary>Passes its input through and remembers every input it saw with gradients recorded (the linearisation points).</summary>
    private sealed class GradientPoints : Module
    {
        private readonly Module inner;

        public GradientPoints(Module inner) => this.inner = RegisterModule("inner", inner);

        public List<double[]> Seen { get; } = [];

        public override Tensor Forward(Tensor input)
        {
            if (Autograd.IsGradEnabled)
            {
                using var detached = input.Detach();
                Seen.Add(detached.ToArray<double>());
            }

            return inner.Forward(input);
        }
    }

    [Theory]
    [InlineData(DeepFoolLinearisation.Overshot, DeepFoolBoxHandling.ClampEachStep)]
    [InlineData(DeepFoolLinearisation.Overshot, DeepFoolBoxHandling.None)]
    [InlineData(DeepFoolLinearisation.Iterate, DeepFoolBoxHandling.None)]
    public void Should_linearise_at_the_point_its_variant_names_When_it_takes_a_second_step(DeepFoolLinearisation linearisation,
        DeepFoolBoxHandling box)
    {
        // Given: one input of a small ReLU network that DeepFool needs several steps for, in a box too wide to clip anything,
        // and the first step r₁ the attack takes from x (read back from a one-step run without overshoot)
        using var network = new SmallNetwork(samples: 12);
        var wide = new AttackModel(network.Model.Network, new Bounds(-100, 100));
        var options = new DeepFoolOptions { Linearisation = linearisation, Box = box, Overshoot = 0.02 };
        var (x, y) = FirstInputNeedingTwoSteps(wide, network, options);
        using var oneStep = new DeepFool(Norm.L2, options with { Steps = 1, Overshoot = 0 }).Run(wide, x, new Misclassification(y));
        using var r1 = oneStep.Raw[0].Sub(x);

        // When: the attack runs on a model that records where gradients are taken
        var recorder = new GradientPoints(network.Model.Network);
        var model = new AttackModel(recorder, wide.Bounds);
        using var result = new DeepFool(Norm.L2, options with { Steps = 2 }).Run(model, x, new Misclassification(y));

        // Then: the first gradient is taken at x, the second at x + 1.02·r₁ for LTS4's linearisation, at x + r₁ for the
        // margin/critic code's
        recorder.Seen.Count.ShouldBeGreaterThanOrEqualTo(2);
        recorder.Seen[0].ShouldBe(x.ToArray<double>(), 1e-12);
        using var expected = linearisation == DeepFoolLinearisation.Iterate ? x.Add(r1) : x.Add(r1.Mul(1.02));
        recorder.Seen[1].ShouldBe(expected.ToArray<double>(), 1e-9);
    }

    private static (Tensor X, Tensor Y) FirstInputNeedingTwoSteps(AttackModel model, SmallNetwork network, DeepFoolOptions options)
    {
        // the first step from x does not yet fool the network (a ReLU network is not linear)
        for (var i = 0; i < network.Inputs.Size(0); i++)
        {
            var x = network.Inputs.Narrow(0, i, 1);
            var y = network.Labels.Narrow(0, i, 1);
            using var one = new DeepFool(Norm.L2, options with { Steps = 1 }).Run(model, x, new Misclassification(y));
            if (!one.RawSuccess.Any().ToBoolean())
            {
                return (x, y);
            }
        }

        throw new InvalidOperationException("every input of the small network falls in one DeepFool step");
    }
}
