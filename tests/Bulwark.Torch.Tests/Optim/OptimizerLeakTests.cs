using Bulwark.TestKit;
using Bulwark.Torch.Optim;
using static Bulwark.Torch.Tests.Optim.OptimTestKit;

namespace Bulwark.Torch.Tests.Optim;

[Collection(LeakCheckCollection.Name)]
public sealed class OptimizerLeakTests
{
    [Theory]
    [MemberData(nameof(OptimizerTests.OptimizerNames), MemberType = typeof(OptimizerTests))]
    public void Should_leave_no_tensor_alive_When_trained_inside_and_outside_scopes_and_disposed(string name)
    {
        // Given
        var guard = LeakGuard.Begin();

        // When an optimizer steps outside any scope, inside one, snapshots, reloads, and is disposed
        using (var parameters = new OptimizerTests.ParameterPair())
        {
            using var optimizer = OptimizerTests.Make(name, parameters);
            OptimizerTests.Train(optimizer, parameters, 2);
            using (TensorScope.Begin())
            {
                OptimizerTests.Train(optimizer, parameters, 2);
                var stateDict = optimizer.StateDict();
                optimizer.LoadStateDict(stateDict);
            }

            using var outside = optimizer.StateDict();
            optimizer.LoadStateDict(outside);
            optimizer.ZeroGrad(setToNone: false);
            OptimizerTests.Train(optimizer, parameters, 1);
            optimizer.ZeroGrad();
        }

        // Then
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_free_the_temporaries_of_every_step_When_stepping_repeatedly()
    {
        using var parameter = Parameter(1, 2, 3);
        using var adam = new Adam([parameter], new AdamOptions { WeightDecay = 0.1, AmsGrad = true, Maximize = true });
        SetGradient(parameter, 1, 1, 1);
        adam.Step();
        var live = Torch.LiveTensors;

        for (var step = 0; step < 20; step++)
        {
            adam.Step();
        }

        Torch.LiveTensors.ShouldBe(live);
    }

    [Fact]
    public void Should_free_the_partial_state_When_loading_fails()
    {
        using var parameter = Parameter(1, 2);
        using var adam = new Adam([parameter]);
        using var good = Torch.Zeros([2], DType.Float64);
        using var wrongShape = Torch.Zeros([3], DType.Float64);
        using var stateDict = new OptimizerStateDict("Adam", [new ParameterGroupState(new AdamOptions(), 1)],
            new Dictionary<string, Tensor> { ["state.0.exp_avg"] = good, ["state.0.exp_avg_sq"] = wrongShape });
        var guard = LeakGuard.Begin();

        Should.Throw<ArgumentException>(() => adam.LoadStateDict(stateDict));

        guard.AssertNoLeaks();
        adam.StateOf(parameter).ShouldBeNull();
    }
}
