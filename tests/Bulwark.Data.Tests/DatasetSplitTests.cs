using Bulwark.Torch;

namespace Bulwark.Data.Tests;

public sealed class DatasetSplitTests
{
    [Fact]
    public void Should_split_into_disjoint_parts_covering_everything_When_a_fraction_is_given()
    {
        // Given 100 samples whose labels are their indices
        using var dataset = Indexed(100);

        // When 15% go to validation
        var (train, validation) = DatasetSplit.TrainValidation(dataset, 0.15, seed: 3);
        using var _ = train;
        using var __ = validation;

        // Then validation has 15, training 85, they are disjoint and together are the dataset, each in dataset order
        validation.Count.ShouldBe(15);
        train.Count.ShouldBe(85);
        var trainLabels = train.GetLabels();
        var validationLabels = validation.GetLabels();
        trainLabels.Intersect(validationLabels).ShouldBeEmpty();
        trainLabels.Concat(validationLabels).Order().ShouldBe(Enumerable.Range(0, 100).Select(i => (long)i));
        trainLabels.ShouldBeInOrder();
        validationLabels.ShouldBeInOrder();
    }

    [Fact]
    public void Should_give_the_same_split_When_the_seed_is_the_same()
    {
        using var dataset = Indexed(60);

        var (trainA, validationA) = DatasetSplit.TrainValidation(dataset, 0.25, seed: 11);
        var (trainB, validationB) = DatasetSplit.TrainValidation(dataset, 0.25, seed: 11);
        var (trainC, validationC) = DatasetSplit.TrainValidation(dataset, 0.25, seed: 12);

        validationA.GetLabels().ShouldBe(validationB.GetLabels());
        trainA.GetLabels().ShouldBe(trainB.GetLabels());
        validationA.GetLabels().ShouldNotBe(validationC.GetLabels());
        foreach (var part in new[] { trainA, validationA, trainB, validationB, trainC, validationC })
        {
            part.Dispose();
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(0.001)]
    public void Should_throw_When_the_fraction_leaves_a_side_empty(double fraction)
    {
        using var dataset = Indexed(10);

        Should.Throw<ArgumentOutOfRangeException>(() => DatasetSplit.TrainValidation(dataset, fraction, seed: 0));
    }

    private static TensorDataset Indexed(int count)
    {
        using var scope = TensorScope.Begin();
        return new TensorDataset(Torch.Torch.Zeros(count, 1, 2, 2), Torch.Torch.Arange(count), "indexed");
    }
}
