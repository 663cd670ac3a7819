using Bulwark.Torch.Nn;
using static Bulwark.Torch.Tests.Nn.NnTestKit;

namespace Bulwark.Torch.Tests.Nn;

/// <summary>
/// BatchNorm2d against the closed form of Ioffe and Szegedy (2015), with PyTorch's conventions: the batch is
/// normalised with its biased variance, while running_var moves towards the unbiased one,
/// r ← (1 − momentum)·r + momentum·statistic.
/// </summary>
public sealed class BatchNorm2dTests
{
    private const int N = 6;
    private const int C = 3;
    private const int H = 4;
    private const int W = 5;

    /// <summary>[N, C, H, W] with a different mean and spread per channel, so a per-tensor normalisation would fail.</summary>
    private static Tensor Batch(ulong seed)
    {
        using var generator = new Generator(seed);
        using var noise = Torch.Randn([N, C, H, W], generator);
        using var scale = Torch.TensorOf(0.5f, 2f, 4f).View(1, C, 1, 1);
        using var shift = Torch.TensorOf(-1f, 0f, 7f).View(1, C, 1, 1);
        using var scaled = noise * scale;
        return scaled + shift;
    }

    /// <summary>The N·H·W values of channel <paramref name="channel"/>.</summary>
    private static double[] Channel(double[] values, int channel) =>
        Enumerable.Range(0, N).SelectMany(n => values.Skip((n * C + channel) * H * W).Take(H * W)).ToArray();

    [Fact]
    public void Should_give_each_channel_mean_0_and_biased_variance_1_When_training()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var norm = new BatchNorm2d(C);
        var x = Batch(51);

        // When
        var y = Values(norm.Forward(x));

        // Then: exactly v / (v + eps) for the biased batch variance v
        var input = Values(x);
        for (var c = 0; c < C; c++)
        {
            var v = Variance(Channel(input, c));
            Mean(Channel(y, c)).ShouldBe(0, 1e-5, $"channel {c} mean");
            Variance(Channel(y, c)).ShouldBe(v / (v + norm.Eps), 1e-4, $"channel {c} variance");
        }
    }

    [Fact]
    public void Should_move_running_statistics_by_momentum_towards_the_unbiased_batch_statistics_When_training()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var norm = new BatchNorm2d(C, momentum: 0.3);
        var first = Batch(52);
        var second = Batch(53);

        // When
        norm.Forward(first);
        var meanAfterOne = Values(norm.RunningMean);
        var varAfterOne = Values(norm.RunningVar);
        norm.Forward(second);

        // Then: from r₀ = (0, 1), two updates with momentum 0.3 and the n − 1 denominator
        double[] expectedMean = new double[C], expectedVar = new double[C];
        for (var c = 0; c < C; c++)
        {
            var a = Channel(Values(first), c);
            var b = Channel(Values(second), c);
            var mean1 = 0.3 * Mean(a);
            var var1 = 0.7 * 1 + 0.3 * Variance(a, unbiased: true);
            meanAfterOne[c].ShouldBe(mean1, 1e-5, $"channel {c} running mean after one batch");
            varAfterOne[c].ShouldBe(var1, 1e-4, $"channel {c} running var after one batch");
            expectedMean[c] = 0.7 * mean1 + 0.3 * Mean(b);
            expectedVar[c] = 0.7 * var1 + 0.3 * Variance(b, unbiased: true);
        }

        ShouldBeClose(Values(norm.RunningMean), expectedMean, 1e-5, "running mean");
        ShouldBeClose(Values(norm.RunningVar), expectedVar, 1e-5, "running var");
        norm.NumBatchesTracked.ToInt64().ShouldBe(2);
        norm.NumBatchesTracked.DType.ShouldBe(DType.Int64);
    }

    [Fact]
    public void Should_normalise_with_the_running_statistics_and_leave_them_alone_When_in_eval_mode()
    {
        // Given: running statistics from one training batch, then evaluation mode
        using var scope = TensorScope.Begin();
        using var norm = new BatchNorm2d(C);
        Init.Constant_(norm.Weight!, 2);
        Init.Constant_(norm.Bias!, 0.5);
        norm.Forward(Batch(54));
        norm.Eval();
        var runningMean = Values(norm.RunningMean);
        var runningVar = Values(norm.RunningVar);
        var x = Batch(55);

        // When
        var y = Values(norm.Forward(x));

        // Then: y = γ (x − μ_running) / sqrt(σ²_running + eps) + β, element by element
        var input = Values(x);
        var expected = input.Select((value, i) =>
        {
            var c = i / (H * W) % C;
            return 2 * (value - runningMean[c]) / Math.Sqrt(runningVar[c] + norm.Eps) + 0.5;
        }).ToArray();
        ShouldBeClose(y, expected, 1e-5);
        Values(norm.RunningMean).ShouldBe(runningMean);
        Values(norm.RunningVar).ShouldBe(runningVar);
        norm.NumBatchesTracked.ToInt64().ShouldBe(1);
    }

    [Fact]
    public void Should_shift_and_scale_each_channel_When_the_affine_parameters_are_set()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var norm = new BatchNorm2d(C);
        using (Autograd.NoGrad())
        {
            norm.Weight!.Copy_(Torch.TensorOf(1f, 2f, 3f));
            norm.Bias!.Copy_(Torch.TensorOf(-1f, 0f, 10f));
        }

        var x = Batch(56);

        // When
        var y = Values(norm.Forward(x));

        // Then: channel c has mean β_c and standard deviation ≈ γ_c
        double[] gamma = [1, 2, 3], beta = [-1, 0, 10];
        for (var c = 0; c < C; c++)
        {
            Mean(Channel(y, c)).ShouldBe(beta[c], 1e-4);
            Math.Sqrt(Variance(Channel(y, c))).ShouldBe(gamma[c], 1e-3 * gamma[c]);
        }
    }

    [Fact]
    public void Should_register_parameters_and_buffers_under_pytorchs_names_When_built()
    {
        // Given / When
        using var affine = new BatchNorm2d(4);
        using var plain = new BatchNorm2d(4, affine: false);

        // Then
        affine.NamedParameters().Select(p => p.Key).ShouldBe(["weight", "bias"]);
        affine.NamedBuffers().Select(b => b.Key).ShouldBe(["running_mean", "running_var", "num_batches_tracked"]);
        Values(affine.Weight!).ShouldAllBe(v => v == 1);
        Values(affine.Bias!).ShouldAllBe(v => v == 0);
        Values(affine.RunningMean).ShouldAllBe(v => v == 0);
        Values(affine.RunningVar).ShouldAllBe(v => v == 1);
        plain.Parameters().ShouldBeEmpty();
        plain.NamedBuffers().Count().ShouldBe(3);
    }

    [Fact]
    public void Should_normalise_each_feature_over_the_batch_When_batch_norm_1d_gets_a_matrix()
    {
        // Given: features with different means and spreads
        using var scope = TensorScope.Begin();
        using var generator = new Generator(53);
        using var norm = new BatchNorm1d(C, eps: 1e-3);
        var x = Torch.Randn([40, C], generator).Mul(Torch.TensorOf(0.5f, 2f, 4f)).Add(Torch.TensorOf(-1f, 0f, 7f));

        // When
        var y = Values(norm.Forward(x));

        // Then: each column has mean 0 and variance v / (v + ε), v its biased batch variance
        var input = Values(x);
        for (var c = 0; c < C; c++)
        {
            var column = input.Where((_, i) => i % C == c).ToArray();
            var normalised = y.Where((_, i) => i % C == c).ToArray();
            var v = Variance(column);
            Mean(normalised).ShouldBe(0, 1e-5, $"feature {c} mean");
            Variance(normalised).ShouldBe(v / (v + norm.Eps), 1e-4, $"feature {c} variance");
        }
    }

    [Fact]
    public void Should_name_the_ranks_it_takes_When_batch_norm_gets_an_input_of_another_rank()
    {
        // Given
        using var scope = TensorScope.Begin();
        using var flat = new BatchNorm1d(C);
        using var spatial = new BatchNorm2d(C);

        // When
        var flatError = Should.Throw<ArgumentException>(() => flat.Forward(Torch.Zeros(2, C, 4, 4)));
        var spatialError = Should.Throw<ArgumentException>(() => spatial.Forward(Torch.Zeros(2, C)));

        // Then
        flatError.Message.ShouldContain("expected 2D or 3D input (got 4D input)");
        spatialError.Message.ShouldContain("expected 4D input (got 2D input)");
    }
}
