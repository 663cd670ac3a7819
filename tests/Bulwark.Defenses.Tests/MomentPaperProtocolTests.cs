using Bulwark.Defenses.Training;

namespace Bulwark.Defenses.Tests;

public sealed class MomentPaperProtocolTests
{
    [Fact]
    public void Should_FollowTheReferenceTrainer_When_AskedForLeNet()
    {
        // When
        var lenet = MomentPaperProtocol.For("gnm-lenet");

        // Then: METHODS §1, "Training protocol", LeNet column
        (lenet.Optimizer, lenet.LearningRate, lenet.WeightDecay, lenet.BatchSize, lenet.DropLast).ShouldBe(("adam", 1e-4, 0.0, 1000, true));
        (lenet.ValidationSplit, lenet.PlateauFactor, lenet.PlateauPatience, lenet.EarlyStoppingPatience).ShouldBe((0.1, (double?)0.9, 3, (int?)10));
        (lenet.Epochs, lenet.EvaluationBatchSize, lenet.Augmentation).ShouldBe((100, 5000, null));
    }

    [Fact]
    public void Should_FollowTheReferenceTrainer_When_AskedForAlexNet()
    {
        // When
        var alexnet = MomentPaperProtocol.For("gnm-alexnet");

        // Then
        (alexnet.Optimizer, alexnet.LearningRate, alexnet.Momentum, alexnet.Nesterov, alexnet.WeightDecay).ShouldBe(("sgd", 0.1, 0.9, true, 5e-4));
        (alexnet.BatchSize, alexnet.PlateauFactor, alexnet.PlateauPatience, alexnet.EarlyStoppingPatience).ShouldBe((128, (double?)0.5, 5, (int?)20));
    }

    [Fact]
    public void Should_MapMnistPixelsToMinusHalfToHalf_When_StandardisingForTheMnistProtocol()
    {
        // When
        var (mean, std) = MomentPaperProtocol.Standardization("mnist");

        // Then: (x − mean) / std sends the box [0, 1] to [−0.5, 0.5], the reference's x − 0.5
        ((0 - mean[0]) / std[0], (1 - mean[0]) / std[0]).ShouldBe((-0.5, 0.5));
    }

    [Fact]
    public void Should_ThrowNamingTheKnownModels_When_TheModelHasNoProtocol()
    {
        Should.Throw<ArgumentException>(() => MomentPaperProtocol.For("lenet5")).Message.ShouldContain("gnm-lenet, gnm-alexnet");
    }
}
