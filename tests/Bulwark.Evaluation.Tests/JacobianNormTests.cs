using Bulwark.Attacks;
using Bulwark.Torch;
using Bulwark.Torch.Nn;

namespace Bulwark.Evaluation.Tests;

public sealed class JacobianNormTests
{
    [Fact]
    public void Should_equal_the_weight_norm_When_the_model_is_linear()
    {
        // Given: f(x) = W·flatten(x) + b, so J(x) = W everywhere
        using var scope = TensorScope.Begin();
        using var generator = new Generator(4);
        var layer = new Linear(6, 4);
        layer.To(DType.Float64);
        var model = new AttackModel(new Sequential(new Flatten()).Add(layer), new Bounds(-10, 10));
        var inputs = Torch.Torch.Randn([7, 1, 2, 3], generator, DType.Float64);
        var weightNorm = layer.Weight.Detach().Norm().ToDouble();

        // When
        var jacobian = JacobianNorm.Measure(model, inputs, batchSize: 3);

        // Then
        jacobian.Count.ShouldBe(7);
        jacobian.PerSample.ShouldAllBe(v => Math.Abs(v - weightNorm) <= 1e-12 * weightNorm);
        jacobian.Mean.ShouldBe(weightNorm, 1e-12 * weightNorm);
        model.Network.Dispose();
    }

    [Fact]
    public void Should_match_the_closed_form_When_the_model_is_tanh_of_affine()
    {
        // Given: f(x) = tanh(W·x + b), J = diag(1 − tanh²(W·x + b))·W, ‖J‖²_F = Σ_k (1 − f_k²)²·‖W_k‖²
        using var scope = TensorScope.Begin();
        using var generator = new Generator(6);
        var w = Torch.Torch.Randn([3, 5], generator, DType.Float64);
        var b = Torch.Torch.Randn([3], generator, DType.Float64);
        var inputs = Torch.Torch.Randn([4, 5], generator, DType.Float64);
        Func<Tensor, Tensor> logits = x => Functional.Linear(x, w, b).Tanh();

        // When
        var jacobian = JacobianNorm.Measure(logits, inputs);

        // Then
        var f = Functional.Linear(inputs, w, b).Tanh().ToArray<double>();
        var rowNorms = w.Square().Sum(1).ToArray<double>();
        for (var i = 0; i < 4; i++)
        {
            var squared = Enumerable.Range(0, 3).Sum(k => Math.Pow(1 - f[i * 3 + k] * f[i * 3 + k], 2) * rowNorms[k]);
            jacobian.PerSample[i].ShouldBe(Math.Sqrt(squared), 1e-12);
        }

        jacobian.Mean.ShouldBe(jacobian.PerSample.Average(), 1e-15);
    }

    [Fact]
    public void Should_not_depend_on_the_batching_When_samples_are_independent()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var generator = new Generator(7);
        var w = Torch.Torch.Randn([4, 6], generator, DType.Float64);
        var inputs = Torch.Torch.Randn([10, 6], generator, DType.Float64);
        Func<Tensor, Tensor> logits = x => Functional.Linear(x, w).Relu().Square();

        // When
        var whole = JacobianNorm.Measure(logits, inputs, batchSize: 10);
        var pieces = JacobianNorm.Measure(logits, inputs, batchSize: 3);

        // Then
        for (var i = 0; i < 10; i++)
        {
            pieces.PerSample[i].ShouldBe(whole.PerSample[i], 1e-12);
        }
    }
}
