namespace Bulwark.Experiments.Tests;

public sealed class FairComparisonTests
{
    private static readonly StudyRunResult Baseline = StudyResults.Of(StudyRun.Baseline, 0.985, 0.70);

    [Fact]
    public void Should_KeepTheMostRobustRunAboveTheBar_When_AMoreRobustRunIsTooInaccurate()
    {
        // Given: the bar is 98.5 % − 0.5 pp = 98.0 %
        var tooInaccurate = StudyResults.Of(StudyRun.Regularizer(1, 2), 0.979, 0.99);
        var best = StudyResults.Of(StudyRun.Regularizer(0.5, 1), 0.981, 0.90);
        var lessRobust = StudyResults.Of(StudyRun.Regularizer(0.25, 1), 0.990, 0.80);
        var augmentation = StudyResults.Of(StudyRun.Augmentation(2, 0.5), 0.984, 0.85);

        // When
        var fair = FairComparison.Of([Baseline, tooInaccurate, best, lessRobust, augmentation], tolerance: 0.5);

        // Then
        fair.Baseline.ShouldBe(Baseline);
        fair.AccuracyBar.ShouldBe(0.98, 1e-12);
        fair.Entries.Select(e => e.Method).ShouldBe([StudyMethod.Regularizer, StudyMethod.Augmentation]);
        fair.Entries[0].Best.ShouldBe(best);
        (fair.Entries[0].Kept, fair.Entries[0].Runs).ShouldBe((2, 3));
        fair.Entries[1].Best.ShouldBe(augmentation);
    }

    [Fact]
    public void Should_KeepARunExactlyAtTheBar_When_ItsAccuracyEqualsBaselineMinusTolerance()
    {
        // Given: 0.98 = 0.985 − 0.005 up to rounding in the subtraction
        var atTheBar = StudyResults.Of(StudyRun.Augmentation(6, 1), 0.98, 0.95);

        // When
        var fair = FairComparison.Of([Baseline, atTheBar], tolerance: 0.5);

        // Then
        fair.Entries.Single().Best.ShouldBe(atTheBar);
    }

    [Fact]
    public void Should_PreferTheMoreAccurateThenTheEarlierRun_When_GnrTies()
    {
        // Given
        var first = StudyResults.Of(StudyRun.Regularizer(0.25, 1), 0.986, 0.9);
        var moreAccurate = StudyResults.Of(StudyRun.Regularizer(0.5, 1), 0.988, 0.9);
        var sameAsMoreAccurate = StudyResults.Of(StudyRun.Regularizer(1, 1), 0.988, 0.9);

        // When
        var fair = FairComparison.Of([Baseline, first, moreAccurate, sameAsMoreAccurate], tolerance: 0);

        // Then
        fair.Entries.Single().Best.ShouldBe(moreAccurate);
    }

    [Fact]
    public void Should_ReportNoBestRun_When_NoRunOfAMethodKeepsTheAccuracy()
    {
        // Given
        var diverged = StudyResults.Of(StudyRun.Augmentation(2, 1), double.NaN, double.NaN);
        var inaccurate = StudyResults.Of(StudyRun.Augmentation(6, 1), 0.5, 1.0);

        // When
        var fair = FairComparison.Of([Baseline, diverged, inaccurate], tolerance: 0.5);

        // Then
        var entry = fair.Entries.Single();
        entry.Best.ShouldBeNull();
        (entry.Kept, entry.Runs).ShouldBe((0, 2));
    }

    [Fact]
    public void Should_Throw_When_ThereIsNoBaselineOrTheToleranceIsNegative()
    {
        var regularizer = StudyResults.Of(StudyRun.Regularizer(0.25, 1), 0.99, 0.9);
        Should.Throw<ArgumentException>(() => FairComparison.Of([regularizer], 0.5)).Message.ShouldContain("baseline");
        Should.Throw<ArgumentOutOfRangeException>(() => FairComparison.Of([Baseline, regularizer], -1));
    }
}
