using Bulwark.Defenses.Tests;

namespace Bulwark.Experiments.Tests;

public sealed class GaussianStudyGridTests
{
    private static GaussianStudyOptions Options(double[] sigmas, double[] alphas, int[] folds) => new()
    {
        Model = TinyRuns.Mlp(),
        Protocol = new(),
        Sigmas = sigmas,
        Alphas = alphas,
        AugmentationFolds = folds,
    };

    [Fact]
    public void Should_HoldTheBaselineEveryRegularizerPairAndAugmentationOnlyUpToSigmaOne_When_SigmasGoBeyondOne()
    {
        // Given
        var options = Options([0.5, 1, 2], [1, 2], [2, 6]);

        // When
        var grid = GaussianStudy.Grid(options);

        // Then: 1 baseline + 3 σ × 2 α + 2 folds × the 2 σ ≤ 1
        var expected = new List<(StudyMethod, double, double?, int?)> { (StudyMethod.Baseline, 0, null, null) };
        foreach (var sigma in new[] { 0.5, 1, 2 })
        {
            expected.Add((StudyMethod.Regularizer, sigma, 1, null));
            expected.Add((StudyMethod.Regularizer, sigma, 2, null));
        }

        foreach (var folds in new[] { 2, 6 })
        {
            expected.Add((StudyMethod.Augmentation, 0.5, null, folds));
            expected.Add((StudyMethod.Augmentation, 1, null, folds));
        }

        grid.Select(r => (r.Method, r.Sigma, r.Alpha, r.Folds)).ShouldBe(expected, ignoreOrder: true);
        grid[0].Method.ShouldBe(StudyMethod.Baseline);
        grid.Select(r => r.Name).Distinct().Count().ShouldBe(grid.Count);
        grid.Where(r => r.Method == StudyMethod.Augmentation).ShouldAllBe(r => r.Sigma <= 1);
    }

    [Fact]
    public void Should_FollowTheMaximumAugmentationSigma_When_ItIsLowered()
    {
        // Given
        var options = Options([0.25, 0.5], [1], [1]) with { MaxAugmentationSigma = 0.3 };

        // When
        var augmentation = GaussianStudy.Grid(options).Where(r => r.Method == StudyMethod.Augmentation).ToList();

        // Then
        augmentation.Select(r => r.Sigma).ShouldBe([0.25]);
    }

    [Theory]
    [InlineData(new[] { 0.0 }, new[] { 1.0 }, new[] { 2 }, "σ = 0")]
    [InlineData(new[] { 0.5 }, new[] { -1.0 }, new[] { 2 }, "α = -1")]
    [InlineData(new[] { 0.5 }, new[] { 1.0 }, new[] { 0 }, "folds = 0")]
    [InlineData(new[] { 0.5, 0.5 }, new[] { 1.0 }, new[] { 2 }, "listed twice")]
    public void Should_ThrowNamingTheValue_When_AGridListIsInvalid(double[] sigmas, double[] alphas, int[] folds, string message)
    {
        // Given
        var options = Options(sigmas, alphas, folds);

        // When
        var error = Should.Throw<ArgumentException>(() => GaussianStudy.Grid(options));

        // Then
        error.Message.ShouldContain(message);
    }
}
