using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Evaluation.Tests;

/// <summary>
/// The <see cref="AttackResult"/> overloads are thin: they must give what the tensor versions give on the result's
/// fields. A real attack on a small affine classifier supplies the result.
/// </summary>
public sealed class AttackResultOverloadTests
{
    private static (AttackModel Model, Tensor Inputs, Tensor Labels) Affine()
    {
        using var generator = new Generator(11);
        var layer = new Linear(6, 3);
        using (Autograd.NoGrad())
        {
            layer.To(DType.Float64);
            using var w = Torch.Torch.Randn([3, 6], generator, DType.Float64);
            using var b = Torch.Torch.Randn([3], generator, DType.Float64);
            layer.Weight.Copy_(w);
            layer.Bias!.Copy_(b);
        }

        var model = new AttackModel(new Sequential(new Flatten()).Add(layer), new Bounds(-50, 50));
        var inputs = Torch.Torch.Randn([12, 6], generator, DType.Float64);
        // labels: the model's predictions, with three of them changed so that some inputs start misclassified
        using var predictions = model.Predict(inputs);
        var labels = predictions.ToArray<long>();
        for (var i = 0; i < 3; i++)
        {
            labels[i] = (labels[i] + 1) % 3;
        }

        return (model, inputs, Torch.Torch.FromArray(labels, labels.Length));
    }

    [Fact]
    public void Should_equal_the_tensor_versions_When_given_a_minimum_norm_attack_result()
    {
        // Given
        using var scope = TensorScope.Begin();
        var (model, x, y) = Affine();
        var correct = Predictions.Correct(model, x, y);
        using var result = new DeepFool().Run(model, x, new Misclassification(y), [0.5, 1.0, 2.0]);

        // When
        var curve = RobustAccuracyCurve.From(result, correct);
        var rate = AttackSuccessRate.From(result, correct);
        var norms = MinimumNormStatistics.From(result, correct);
        var rho = RhoAdv.From(result, x, correct);

        // Then
        curve.RobustAccuracy.ShouldBe(RobustAccuracyCurve.From(result.Success, correct, [0.5, 1.0, 2.0]).RobustAccuracy);
        curve.CleanAccuracy.ShouldBe(0.75);
        rate.ShouldBe(AttackSuccessRate.From(result.Norms.IsFinite(), correct));
        rate.Successful.ShouldBe(9, "DeepFool breaks every correctly classified input of an affine model");
        norms.ShouldBe(MinimumNormStatistics.From(result.Norms, correct));
        rho.ShouldBe(RhoAdv.From(x, result.Raw[0], correct, result.RawSuccess));
        model.Network.Dispose();
    }

    [Fact]
    public void Should_refuse_rho_adv_When_the_result_holds_one_proposal_per_epsilon()
    {
        // Given
        using var scope = TensorScope.Begin();
        var (model, x, y) = Affine();
        var correct = Predictions.Correct(model, x, y);
        using var result = new FastGradientMethod(Norm.L2).Run(model, x, new Misclassification(y), [0.1, 0.2]);

        // When / Then
        Should.Throw<ArgumentException>(() => RhoAdv.From(result, x, correct));
        model.Network.Dispose();
    }
}
