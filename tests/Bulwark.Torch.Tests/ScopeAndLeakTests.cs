using Bulwark.TestKit;
using Bulwark.Torch.Nn;

namespace Bulwark.Torch.Tests;

/// <summary>
/// Deterministic lifetime: scopes free what they own, Keep moves a tensor out one level, Release out of all,
/// and a long loop of small ops holds neither native tensors nor resident memory.
/// </summary>
[Collection(ProcessWideStateCollection.Name)]
public sealed class ScopeAndLeakTests
{
    private static void SmallStep(Generator generator)
    {
        var a = Torch.Randn([32, 32], generator);
        var b = a.Matmul(a).Relu().Softmax(1);
        _ = b.Sum().ToDouble();
    }

    [Fact]
    public void Should_keep_resident_memory_and_live_tensors_flat_When_10000_small_ops_run_in_scopes()
    {
        // Given: a warm-up, so that allocator pools and JIT-compiled code are in place before measuring
        using var generator = new Generator(1);
        for (var i = 0; i < 1000; i++)
        {
            using var warmUp = TensorScope.Begin();
            SmallStep(generator);
        }

        var guard = LeakGuard.Begin();
        var before = ResidentMemory.Bytes;

        // When: 2,000 steps of 5 ops each, every step in its own scope; one leaked 32 × 32 tensor per step
        // would hold 8 MB
        for (var i = 0; i < 2000; i++)
        {
            using var scope = TensorScope.Begin();
            SmallStep(generator);
        }

        // Then
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var growth = ResidentMemory.Bytes - before;
        guard.AssertNoLeaks();
        growth.ShouldBeLessThan(4L << 20, $"resident memory grew by {growth / 1024} KiB");
    }

    [Fact]
    public void Should_free_every_tensor_made_inside_When_a_scope_ends()
    {
        // Given
        var guard = LeakGuard.Begin();
        long inside;

        // When
        using (var scope = TensorScope.Begin())
        {
            for (var i = 0; i < 100; i++)
            {
                _ = Torch.Ones(3) * 2.0;
            }

            inside = guard.Leaked;
            scope.Count.ShouldBe(200);
        }

        // Then
        inside.ShouldBe(200);
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_free_the_tensors_of_ops_with_several_results_When_the_scope_ends()
    {
        // Given
        var guard = LeakGuard.Begin();

        // When
        using (TensorScope.Begin())
        {
            using var generator = new Generator(2);
            var x = Torch.Randn([4, 6], generator, DType.Float64).RequiresGrad_();
            _ = x.Chunk(3, 1);
            _ = x.Split(4, 1);
            _ = x.Max(1);
            _ = x.TopK(2);
            _ = x.Sort();
            var loss = Functional.CrossEntropy(x, Torch.TensorOf(0L, 1L, 2L, 3L));
            var gradient = Autograd.Grad([loss], [x], createGraph: true)[0]!;
            gradient.Square().Sum().Backward();
            _ = x.Grad;
            _ = x.Grad;
        }

        // Then
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_move_a_kept_tensor_to_the_enclosing_scope_When_an_inner_scope_keeps_it()
    {
        // Given
        var guard = LeakGuard.Begin();
        Tensor kept;

        using (var outer = TensorScope.Begin())
        {
            using (var inner = TensorScope.Begin())
            {
                var temporary = Torch.Ones(2);

                // When
                kept = inner.Keep(temporary * 3.0);
                inner.Count.ShouldBe(1);
            }

            // Then: it survived the inner scope, and the outer one now owns it
            kept.IsDisposed.ShouldBeFalse();
            kept.ToArray<float>().ShouldBe([3f, 3f]);
            outer.Count.ShouldBe(1);
            guard.Leaked.ShouldBe(1);
        }

        kept.IsDisposed.ShouldBeTrue();
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_let_a_tensor_outlive_every_scope_When_it_is_released()
    {
        // Given
        var guard = LeakGuard.Begin();
        Tensor released;

        // When
        using (TensorScope.Begin())
        {
            using var inner = TensorScope.Begin();
            released = inner.Release(Torch.Full([2], 7));
        }

        // Then
        released.IsDisposed.ShouldBeFalse();
        released.ToArray<float>().ShouldBe([7f, 7f]);
        guard.Leaked.ShouldBe(1);
        released.Dispose();
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_release_a_tensor_owned_by_an_outer_scope_When_released_from_an_inner_one()
    {
        // Given
        var guard = LeakGuard.Begin();
        Tensor released;

        // When
        using (TensorScope.Begin())
        {
            var made = Torch.Ones(2);
            using var inner = TensorScope.Begin();
            released = inner.Release(made);
        }

        // Then
        released.IsDisposed.ShouldBeFalse();
        released.Dispose();
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_restore_the_enclosing_scope_When_a_nested_scope_ends()
    {
        // Given
        var before = TensorScope.Current;

        // When / Then
        using (var outer = TensorScope.Begin())
        {
            TensorScope.Current.ShouldBeSameAs(outer);
            using (var inner = TensorScope.Begin())
            {
                TensorScope.Current.ShouldBeSameAs(inner);
            }

            TensorScope.Current.ShouldBeSameAs(outer);
        }

        TensorScope.Current.ShouldBeSameAs(before);
    }

    [Fact]
    public void Should_count_each_tensor_once_When_it_is_disposed_before_its_scope_ends()
    {
        // Given
        var guard = LeakGuard.Begin();

        // When
        using (TensorScope.Begin())
        {
            var x = Torch.Ones(2);
            x.Dispose();
            using var y = Torch.Zeros(2);
        }

        // Then
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_leave_nothing_alive_When_ops_fail_inside_a_scope()
    {
        // Given
        var guard = LeakGuard.Begin();

        // When
        using (TensorScope.Begin())
        {
            for (var i = 0; i < 50; i++)
            {
                Should.Throw<TorchException>(() => Torch.Zeros(2, 3).Matmul(Torch.Zeros(4, 5)));
                Should.Throw<TorchIndexException>(() => Torch.Zeros(2).Max(1));
            }
        }

        // Then
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_free_the_valid_tensors_When_a_list_argument_also_holds_a_disposed_one()
    {
        // Given: a list whose first tensor is live and whose second was disposed
        var guard = LeakGuard.Begin();
        var live = Torch.Ones(2);
        var disposed = Torch.Ones(2);
        disposed.Dispose();

        // When
        Should.Throw<ObjectDisposedException>(() => Torch.Cat([live, disposed]));
        using (var sum = live.Sum())
        {
            Should.Throw<ObjectDisposedException>(() => Autograd.Backward([sum], [disposed]));
        }

        live.Dispose();

        // Then: the failed calls must not have pinned the live tensor's native memory
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_leave_nothing_alive_When_generator_and_rng_states_are_read_and_written_inside_a_scope()
    {
        // Given
        var guard = LeakGuard.Begin();

        // When
        using (TensorScope.Begin())
        {
            using var generator = new Generator(3);
            generator.SetState(generator.GetState());
            Torch.SetRngState(Torch.GetRngState());
        }

        // Then
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_leave_nothing_alive_When_a_gradient_check_runs()
    {
        // Given
        var guard = LeakGuard.Begin();

        // When
        using (TensorScope.Begin())
        {
            using var samples = new Samples(4);
            var x = samples.Uniform([2, 3]);
            GradCheck.SecondOrder(inputs => inputs[0].Tanh(), x).Passed.ShouldBeTrue();
        }

        // Then
        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_refuse_to_keep_When_the_scope_has_ended()
    {
        // Given
        var scope = TensorScope.Begin();
        var x = Torch.Ones(1);
        scope.Dispose();

        // When / Then
        Should.Throw<ObjectDisposedException>(() => scope.Keep(x));
    }
}
