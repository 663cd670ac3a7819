using Bulwark.TestKit;
using Bulwark.Torch.Optim;

namespace Bulwark.Torch.Tests.Optim;

/// <summary>The fused tanh-space Adam step against the same update written out element by element in .NET doubles.</summary>
public sealed class TanhSpaceAdamTests
{
    private const double HalfWidth = 0.5;
    private const double StepSize = 0.03;
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_equal_the_update_written_element_by_element_When_stepping(bool nonContiguousMoments)
    {
        // Given: a batch of 3 samples of 2×4, x' = ½·(tanh w + 1) in the unit box; non-contiguous moments take the
        // composite path that GPU tensors take
        using var scope = TensorScope.Begin();
        using var samples = new Samples(seed: 461);
        var w = samples.Uniform([3, 2, 4], -2, 2).Float();
        var first = MomentOf(samples.Uniform([3, 2, 4], -0.1, 0.1).Float(), nonContiguousMoments);
        var second = MomentOf(samples.Uniform([3, 2, 4], 0, 0.01).Float(), nonContiguousMoments);
        var x = samples.Uniform([3, 2, 4], 0, 1).Float();
        var objectiveGradient = samples.Uniform([3, 2, 4]).Float();
        var tanh = w.Tanh();
        var adversarial = tanh.Add(1).Mul(HalfWidth);
        float[] w0 = w.ToArray<float>(), m0 = first.Contiguous().ToArray<float>(), v0 = second.Contiguous().ToArray<float>();
        float[] t = tanh.ToArray<float>(), xs = x.ToArray<float>(), a = adversarial.ToArray<float>(), g = objectiveGradient.ToArray<float>();

        // When
        var distance = TanhSpaceAdam.Step(w, first, second, tanh, x, adversarial, objectiveGradient, HalfWidth, StepSize, Beta1, Beta2, Epsilon);

        // Then: g_w = (2(x' − x) + ∂φ/∂x')·h·(1 − t²), Adam with ε outside the root, and ‖x' − x‖² per sample
        var (w1, m1, v1) = (w.ToArray<float>(), first.Contiguous().ToArray<float>(), second.Contiguous().ToArray<float>());
        var squared = new double[3];
        for (var i = 0; i < w0.Length; i++)
        {
            var difference = (double)a[i] - xs[i];
            squared[i / 8] += difference * difference;
            var gradient = (2 * difference + g[i]) * HalfWidth * (1 - ((double)t[i] * t[i]));
            var m = (Beta1 * m0[i]) + ((1 - Beta1) * gradient);
            var v = (Beta2 * v0[i]) + ((1 - Beta2) * gradient * gradient);
            ((double)m1[i]).ShouldBe(m, 1e-6 + (1e-5 * Math.Abs(m)));
            ((double)v1[i]).ShouldBe(v, 1e-9 + (1e-5 * v));
            ((double)w1[i]).ShouldBe(w0[i] - (StepSize * m / (Math.Sqrt(v) + Epsilon)), 1e-5);
        }

        distance.Shape.ShouldBe([3L]);
        var distances = distance.ToArray<float>();
        for (var s = 0; s < 3; s++)
        {
            ((double)distances[s]).ShouldBe(squared[s], 1e-5);
        }
    }

    [Fact]
    public void Should_refuse_and_leave_w_unchanged_When_a_shape_differs()
    {
        // Given
        using var scope = TensorScope.Begin();
        var w = Torch.Zeros([2, 3]);
        var moment = Torch.Zeros([2, 3]);
        var wrong = Torch.Zeros([2, 4]);

        // When
        var error = Should.Throw<TorchValueException>(() => TanhSpaceAdam.Step(w, moment, moment.Clone(), w.Tanh(), wrong, w, w, 0.5, 0.01));

        // Then
        error.Message.ShouldContain("shape");
        w.Abs().Max().ToDouble().ShouldBe(0);
    }

    /// <summary>The values of <paramref name="values"/>, held contiguously or as the transpose of a contiguous tensor.</summary>
    private static Tensor MomentOf(Tensor values, bool nonContiguous)
    {
        if (!nonContiguous)
        {
            return values.Clone();
        }

        // [3, 2, 4] stored as [4, 2, 3] transposed: the same values, strides that are not contiguous
        var moment = values.Permute(2, 1, 0).Contiguous().Permute(2, 1, 0);
        return moment;
    }
}
