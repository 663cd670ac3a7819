using System.Text.Json;
using Bulwark.Torch.Optim;
using static Bulwark.Torch.Tests.Optim.OptimTestKit;

namespace Bulwark.Torch.Tests.Optim;

public sealed class LearningRateSchedulerTests
{
    /// <summary>The learning rates of group 0 at epochs 0, 1, …, <paramref name="epochs"/>.</summary>
    private static double[] Trace(LearningRateScheduler scheduler, int epochs)
    {
        var rates = new List<double> { scheduler.Optimizer.ParameterGroups[0].LearningRate };
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            scheduler.Step();
            rates.Add(scheduler.Optimizer.ParameterGroups[0].LearningRate);
        }

        return [.. rates];
    }

    [Fact]
    public void Should_multiply_by_gamma_every_step_size_epochs_When_using_StepLR()
    {
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 1 });

        var rates = Trace(new StepLR(sgd, stepSize: 3, gamma: 0.5), 7);

        rates.ShouldBe([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
    }

    [Fact]
    public void Should_multiply_by_gamma_every_epoch_When_using_ExponentialLR()
    {
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 0.1 });

        var rates = Trace(new ExponentialLR(sgd, gamma: 0.9), 4);

        ShouldBeClose(rates, [0.1, 0.09, 0.081, 0.0729, 0.06561], 1e-15);
    }

    [Fact]
    public void Should_follow_half_a_cosine_to_eta_min_When_using_CosineAnnealingLR()
    {
        // Given T_max = 4 from 1 to 0.2: η_min + 0.8·(1 + cos(πt/4))/2, with cos(π/4) = √2/2
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 1 });
        var half = Math.Sqrt(2) / 2;

        var rates = Trace(new CosineAnnealingLR(sgd, tMax: 4, etaMin: 0.2), 4);

        ShouldBeClose(rates, [1, 0.2 + (0.4 * (1 + half)), 0.6, 0.2 + (0.4 * (1 - half)), 0.2], 1e-15);
    }

    [Fact]
    public void Should_move_in_a_straight_line_and_hold_When_using_LinearDecay()
    {
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 0.1 });

        var rates = Trace(new LinearDecay(sgd, endLearningRate: 0.01, steps: 3), 5);

        ShouldBeClose(rates, [0.1, 0.07, 0.04, 0.01, 0.01, 0.01], 1e-15);
    }

    [Fact]
    public void Should_move_geometrically_and_hold_When_using_ExponentialDecay()
    {
        // Given 1 → 0.001 over 3 epochs: one factor of 10 per epoch
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 0.5 });

        var rates = Trace(new ExponentialDecay(sgd, endLearningRate: 0.001, steps: 3, startLearningRate: 1), 4);

        ShouldBeClose(rates, [1, 0.1, 0.01, 0.001, 0.001], 1e-15);
    }

    [Fact]
    public void Should_scale_each_groups_own_base_rate_When_there_are_several_groups()
    {
        using var a = Parameter(0);
        using var b = Parameter(0);
        using var sgd = new SGD([new ParameterGroup([a], new SGDOptions { LearningRate = 1 }), new ParameterGroup([b], new SGDOptions { LearningRate = 0.1 })]);
        var scheduler = new StepLR(sgd, stepSize: 1, gamma: 0.5);

        scheduler.Step();

        scheduler.LastLearningRates.ShouldBe([0.5, 0.05]);
        scheduler.BaseLearningRates.ShouldBe([1, 0.1]);
    }

    [Fact]
    public void Should_resume_the_same_rates_When_its_state_goes_through_json()
    {
        // Given a scheduler three epochs in
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 1 });
        var original = new CosineAnnealingLR(sgd, tMax: 10, etaMin: 0.01);
        Trace(original, 3);
        var json = JsonSerializer.Serialize(original.GetState());

        // When a new scheduler over a fresh optimizer loads that state
        using var other = Parameter(0);
        using var fresh = new SGD([other], new SGDOptions { LearningRate = 1 });
        var resumed = new CosineAnnealingLR(fresh, tMax: 10, etaMin: 0.01);
        resumed.LoadState(JsonSerializer.Deserialize<LearningRateSchedulerState>(json)!);

        // Then both carry on identically
        resumed.Epoch.ShouldBe(3);
        fresh.ParameterGroups[0].LearningRate.ShouldBe(sgd.ParameterGroups[0].LearningRate);
        Trace(resumed, 4).ShouldBe(Trace(original, 4));
    }

    [Fact]
    public void Should_refuse_a_state_When_the_group_count_differs()
    {
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter]);
        var scheduler = new StepLR(sgd, 2);

        Should.Throw<ArgumentException>(() => scheduler.LoadState(new LearningRateSchedulerState(1, [0.1, 0.2])));
    }
}
