using System.Text.Json;
using Bulwark.Torch.Optim;
using static Bulwark.Torch.Tests.Optim.OptimTestKit;

namespace Bulwark.Torch.Tests.Optim;

public sealed class ReduceLROnPlateauTests
{
    /// <summary>Feeds <paramref name="metrics"/> to a plateau scheduler over an SGD at rate <paramref name="learningRate"/>; returns the rate after each.</summary>
    private static (double[] Rates, ReduceLROnPlateau Scheduler) Run(double[] metrics, ReduceLROnPlateauOptions options, double learningRate = 1)
    {
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = learningRate });
        var scheduler = new ReduceLROnPlateau(sgd, options);
        var rates = metrics.Select(metric =>
        {
            scheduler.Step(metric);
            return sgd.ParameterGroups[0].LearningRate;
        }).ToArray();
        return (rates, scheduler);
    }

    [Fact]
    public void Should_reduce_after_patience_bad_epochs_When_the_metric_stalls()
    {
        // Given patience 2: 10 and 9 improve, then three epochs at 9 — the third bad epoch exceeds the patience
        var (rates, scheduler) = Run([10, 9, 9, 9, 9, 8], new ReduceLROnPlateauOptions { Patience = 2, Factor = 0.5 });

        rates.ShouldBe([1, 1, 1, 1, 0.5, 0.5]);
        scheduler.Best.ShouldBe(8);
        scheduler.BadEpochs.ShouldBe(0);
        scheduler.Epoch.ShouldBe(6);
    }

    [Fact]
    public void Should_not_count_bad_epochs_When_cooling_down()
    {
        // Given patience 0 and cooldown 2 on a flat metric: reduce at epoch 2, rest two epochs, reduce at 5, rest, reduce at 8
        var (rates, scheduler) = Run([5, 5, 5, 5, 5, 5, 5, 5], new ReduceLROnPlateauOptions { Patience = 0, Factor = 0.1, Cooldown = 2 });

        ShouldBeClose(rates, [1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001], 1e-15);
        scheduler.CooldownCounter.ShouldBe(2);
        scheduler.InCooldown.ShouldBeTrue();
    }

    [Fact]
    public void Should_need_a_relative_gain_above_the_threshold_When_the_mode_is_relative()
    {
        // Given threshold 0.1 (rel): after 10 only a value below 9 counts; 9.5 does not, 8.9 does
        var (rates, _) = Run([10, 9.5, 9.5, 8.9], new ReduceLROnPlateauOptions { Patience = 0, Factor = 0.5, Threshold = 0.1 });

        rates.ShouldBe([1, 0.5, 0.25, 0.25]);
    }

    [Fact]
    public void Should_need_an_absolute_gain_above_the_threshold_When_the_mode_is_absolute()
    {
        // Given threshold 0.5 (abs): after 10 only a value below 9.5 counts; 9.6 does not, 9.4 does
        var (rates, scheduler) = Run([10, 9.6, 9.4],
            new ReduceLROnPlateauOptions { Patience = 0, Factor = 0.5, Threshold = 0.5, ThresholdMode = PlateauThresholdMode.Absolute });

        rates.ShouldBe([1, 0.5, 0.5]);
        scheduler.Best.ShouldBe(9.4);
    }

    [Fact]
    public void Should_treat_a_rise_as_improvement_When_the_mode_is_max()
    {
        var (rates, _) = Run([0.5, 0.6, 0.6, 0.6, 0.7], new ReduceLROnPlateauOptions { Mode = PlateauMode.Max, Patience = 1, Factor = 0.5 });

        rates.ShouldBe([1, 1, 1, 0.5, 0.5]);
    }

    [Fact]
    public void Should_stop_at_the_minimum_rate_When_reductions_would_go_below_it()
    {
        var (rates, _) = Run([1, 1, 1, 1, 1], new ReduceLROnPlateauOptions { Patience = 0, Factor = 0.5, MinLearningRate = 0.3 });

        rates.ShouldBe([1, 0.5, 0.3, 0.3, 0.3]);
    }

    [Fact]
    public void Should_skip_a_reduction_When_it_is_smaller_than_eps()
    {
        var (rates, _) = Run([1, 1], new ReduceLROnPlateauOptions { Patience = 0, Factor = 0.5 }, learningRate: 1e-8);

        rates.ShouldBe([1e-8, 1e-8]);
    }

    [Fact]
    public void Should_count_a_nan_as_a_bad_epoch_When_the_metric_is_nan()
    {
        var (rates, scheduler) = Run([1, double.NaN], new ReduceLROnPlateauOptions { Patience = 0, Factor = 0.5 });

        rates.ShouldBe([1, 0.5]);
        scheduler.Best.ShouldBe(1);
    }

    [Fact]
    public void Should_resume_the_same_decisions_When_its_state_goes_through_json()
    {
        // Given a scheduler two bad epochs into its patience, and its state as JSON — also before any step, when best is ∞
        var options = new ReduceLROnPlateauOptions { Patience = 2, Factor = 0.5 };
        var (_, original) = Run([3, 4, 4], options);
        var json = JsonSerializer.Serialize(original.GetState());
        var (_, fresh) = Run([], options);
        JsonSerializer.Deserialize<ReduceLROnPlateauState>(JsonSerializer.Serialize(fresh.GetState()))!.Best.ShouldBe(double.PositiveInfinity);

        // When a new scheduler loads it and sees one more bad epoch
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter], new SGDOptions { LearningRate = 1 });
        var resumed = new ReduceLROnPlateau(sgd, options);
        resumed.LoadState(JsonSerializer.Deserialize<ReduceLROnPlateauState>(json)!);
        var reduced = resumed.Step(4);

        // Then it reduces, as the uninterrupted run would have
        reduced.ShouldBeTrue();
        sgd.ParameterGroups[0].LearningRate.ShouldBe(0.5);
        resumed.GetState().ShouldBe(new ReduceLROnPlateauState(4, 3, 0, 0));
    }

    [Theory]
    [InlineData(1.0, 10)]
    [InlineData(0.5, -1)]
    public void Should_reject_options_When_factor_is_not_below_one_or_patience_is_negative(double factor, int patience)
    {
        using var parameter = Parameter(0);
        using var sgd = new SGD([parameter]);

        Should.Throw<ArgumentException>(() => new ReduceLROnPlateau(sgd, new ReduceLROnPlateauOptions { Factor = factor, Patience = patience }));
    }
}
