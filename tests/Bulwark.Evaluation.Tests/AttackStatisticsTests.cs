using Bulwark.Data;
using Bulwark.Torch;

namespace Bulwark.Evaluation.Tests;

public sealed class AttackStatisticsTests
{
    [Fact]
    public void Should_count_success_over_correct_inputs_only_When_computing_the_success_rate()
    {
        // Given: inputs 0..4; 3 is misclassified (and "broken", which must not count)
        using var success = Masks.Of(true, false, true, true, false);
        using var correct = Masks.Of(true, true, true, false, true);

        // When
        var rate = AttackSuccessRate.From(success, correct);

        // Then
        rate.Successful.ShouldBe(2);
        rate.Correct.ShouldBe(4);
        rate.Rate.ShouldBe(0.5);
    }

    [Fact]
    public void Should_average_finite_norms_of_correct_inputs_When_computing_minimum_norm_statistics()
    {
        // Given: input 2 misclassified (norm 0), input 4 not broken (+∞)
        using var norms = Masks.Values(0.4, 0.1, 0, 0.3, double.PositiveInfinity);
        using var correct = Masks.Of(true, true, false, true, true);

        // When
        var statistics = MinimumNormStatistics.From(norms, correct);

        // Then: over {0.4, 0.1, 0.3}
        statistics.Count.ShouldBe(3);
        statistics.Mean!.Value.ShouldBe(0.8 / 3, 1e-15);
        statistics.Median.ShouldBe(0.3);
    }

    [Fact]
    public void Should_take_the_mean_of_the_two_middle_norms_When_the_count_is_even()
    {
        // Given
        using var norms = Masks.Values(4, 1, 3, 2);
        using var correct = Masks.Of(true, true, true, true);

        // When
        var statistics = MinimumNormStatistics.From(norms, correct);

        // Then
        statistics.Median.ShouldBe(2.5);
        statistics.Mean.ShouldBe(2.5);
    }

    [Fact]
    public void Should_report_null_statistics_When_no_correct_input_was_broken()
    {
        // Given
        using var norms = Masks.Values(0, double.PositiveInfinity);
        using var correct = Masks.Of(false, true);

        // When
        var statistics = MinimumNormStatistics.From(norms, correct);
        var rate = AttackSuccessRate.From(Masks.Of(false, false), Masks.Of(false, false));

        // Then
        statistics.ShouldBe(new MinimumNormStatistics(0, null, null));
        rate.Rate.ShouldBeNull();
    }

    [Fact]
    public void Should_count_correct_predictions_When_computing_clean_accuracy()
    {
        // Given
        using var predictions = Torch.Torch.FromArray(new long[] { 0, 1, 2, 2, 1 }, 5);
        using var labels = Torch.Torch.FromArray(new int[] { 0, 1, 1, 2, 0 }, 5);

        // When
        var accuracy = CleanAccuracy.From(predictions, labels);

        // Then
        accuracy.ShouldBe(new CleanAccuracy(3, 5));
        accuracy.Accuracy.ShouldBe(0.6);
    }

    [Fact]
    public void Should_count_correct_predictions_When_measuring_a_model_over_a_dataset()
    {
        // Given: class 0 inside the ball of radius 1 around 0.5, class 1 outside; images at 0.5 and at 0 or 1
        using var scope = TensorScope.Begin();
        var images = Torch.Torch.FromArray(new float[] { 0.5f, 0.5f, 0.5f, 0.5f, 0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f, 0.5f, 0.5f, 0.5f, 0.5f }, 4, 1, 2, 2);
        var labels = Torch.Torch.FromArray(new long[] { 0, 1, 1, 1 }, 4);
        using var data = new TensorDataset(images, labels);
        var model = Classifiers.Model(Classifiers.Ball(0.9, center: 0.5));

        // When
        var accuracy = CleanAccuracy.Measure(model, data, batchSize: 3);

        // Then: predictions 0, 1, 1, 0
        accuracy.ShouldBe(new CleanAccuracy(3, 4));
    }
}
