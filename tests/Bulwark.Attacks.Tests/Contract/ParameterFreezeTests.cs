using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Attacks.Tests.Contract;

public sealed class ParameterFreezeTests
{
    /// <summary>Passes its input through and notes, at every forward pass, whether any parameter required a gradient.</summary>
    private sealed class Watch : Module
    {
        private readonly Module inner;

        public Watch(Module inner) => this.inner = RegisterModule("inner", inner);

        public List<bool> AnyParameterRequiredGrad { get; } = [];

        public override Tensor Forward(Tensor input)
        {
            AnyParameterRequiredGrad.Add(Parameters().Any(p => p.RequiresGrad));
            return inner.Forward(input);
        }
    }

    [Fact]
    public void Should_attack_with_frozen_parameters_and_unfreeze_them_after_When_the_network_trains_them()
    {
        // Given: a network whose parameters require gradients, as during training
        using var network = new SmallNetwork();
        var watch = new Watch(network.Model.Network);
        watch.Parameters().ShouldAllBe(p => p.RequiresGrad);
        var model = new AttackModel(watch, network.Model.Bounds);

        // When
        using var result = new ProjectedGradientDescent(Norm.Linf, new PgdOptions { Steps = 3 })
            .Run(model, network.Inputs, new Misclassification(network.Labels), [0.1]);

        // Then: every forward pass of the attack saw frozen parameters; afterwards they require gradients again
        watch.AnyParameterRequiredGrad.ShouldNotBeEmpty();
        watch.AnyParameterRequiredGrad.ShouldAllBe(any => !any);
        watch.Parameters().ShouldAllBe(p => p.RequiresGrad);
    }
}
