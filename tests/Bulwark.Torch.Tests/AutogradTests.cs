namespace Bulwark.Torch.Tests;

/// <summary>Backward passes, accumulation, grad modes and the options of Grad, against hand-derived gradients.</summary>
public sealed class AutogradTests
{
    [Fact]
    public void Should_accumulate_into_the_leaf_gradient_When_backward_runs_twice()
    {
        // Given: y = Σ x², dy/dx = 2x
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, -2, 3 }, 3).RequiresGrad_();
        x.Grad.ShouldBeNull();

        // When
        x.Square().Sum().Backward();
        var once = x.Grad!.ToArray<double>();
        x.Square().Sum().Backward();
        var twice = x.Grad!.ToArray<double>();
        x.Grad = null;

        // Then
        once.ShouldBe([2.0, -4, 6]);
        twice.ShouldBe([4.0, -8, 12]);
        x.Grad.ShouldBeNull();
    }

    [Fact]
    public void Should_compute_a_vector_jacobian_product_When_backward_gets_a_gradient_output()
    {
        // Given: y = x ⊙ w, so vᵀ ∂y/∂x = v ⊙ w
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2, 3 }, 3).RequiresGrad_();
        var w = Torch.FromArray(new double[] { 4, 5, 6 }, 3);
        var v = Torch.FromArray(new double[] { 1, 0, -1 }, 3);

        // When
        (x * w).Backward(v);

        // Then
        x.Grad!.ToArray<double>().ShouldBe([4.0, 0, -6]);
    }

    [Fact]
    public void Should_keep_intermediate_gradients_When_retain_grad_is_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2).RequiresGrad_();
        var hidden = x * 3.0;
        hidden.RetainGrad();

        // When
        hidden.Square().Sum().Backward();

        // Then: d/dh Σ h² = 2h = 6x
        hidden.IsLeaf.ShouldBeFalse();
        x.IsLeaf.ShouldBeTrue();
        hidden.Grad!.ToArray<double>().ShouldBe([6.0, 12]);
        x.Grad!.ToArray<double>().ShouldBe([18.0, 36]);
    }

    [Fact]
    public void Should_return_gradients_without_touching_grad_When_grad_is_called()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2).RequiresGrad_();
        var y = Torch.FromArray(new double[] { 3, 4 }, 2).RequiresGrad_();

        // When
        var grads = Autograd.Grad([(x * y).Sum()], [x, y]);

        // Then
        grads[0]!.ToArray<double>().ShouldBe([3.0, 4]);
        grads[1]!.ToArray<double>().ShouldBe([1.0, 2]);
        x.Grad.ShouldBeNull();
        grads[0]!.RequiresGrad.ShouldBeFalse();
    }

    [Fact]
    public void Should_weight_the_output_When_grad_gets_a_gradient_output()
    {
        // Given: y = x², so vᵀ ∂y/∂x = 2 v ⊙ x
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2, 3 }, 3).RequiresGrad_();
        var v = Torch.FromArray(new double[] { 0.5, -1, 2 }, 3);

        // When
        var grad = Autograd.Grad(x.Square(), x, v);

        // Then
        grad.ToArray<double>().ShouldBe([1.0, -4, 12]);
    }

    [Fact]
    public void Should_flow_back_in_the_input_dtype_When_the_graph_changes_dtype()
    {
        // Given: a float64 leaf used in float32 arithmetic
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2).RequiresGrad_();

        // When
        var grad = Autograd.Grad((x.Float() * 3.0).Square().Sum(), x);

        // Then: d/dx (3x)² = 18x
        grad.DType.ShouldBe(DType.Float64);
        grad.ToArray<double>().ShouldBe([18.0, 36]);
    }

    [Fact]
    public void Should_return_null_for_an_unused_input_When_allow_unused_is_set()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2).RequiresGrad_();
        var unused = Torch.FromArray(new double[] { 3, 4 }, 2).RequiresGrad_();

        // When
        var grads = Autograd.Grad([x.Sum()], [x, unused], allowUnused: true);

        // Then
        grads[0]!.ToArray<double>().ShouldBe([1.0, 1]);
        grads[1].ShouldBeNull();
    }

    [Fact]
    public void Should_sum_the_gradients_of_several_outputs_When_grad_takes_a_list()
    {
        // Given: d/dx (Σ x² + Σ 3x) = 2x + 3
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, -1 }, 2).RequiresGrad_();

        // When
        var grad = Autograd.Grad([x.Square().Sum(), (x * 3.0).Sum()], [x])[0]!;

        // Then
        grad.ToArray<double>().ShouldBe([5.0, 1]);
    }

    [Fact]
    public void Should_differentiate_the_gradient_again_When_created_with_a_graph()
    {
        // Given: f = Σ x³, f' = 3x², f'' = 6x
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2).RequiresGrad_();

        // When
        var first = Autograd.Grad(x.Pow(3).Sum(), x, createGraph: true);
        var second = Autograd.Grad(first.Sum(), x);

        // Then
        first.RequiresGrad.ShouldBeTrue();
        first.ToArray<double>().ShouldBe([3.0, 12]);
        second.ToArray<double>().ShouldBe([6.0, 12]);
    }

    [Fact]
    public void Should_let_the_graph_be_walked_again_When_retain_graph_is_set()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 0.5 }, 1).RequiresGrad_();
        var y = x.Exp().Sum();

        // When
        var first = Autograd.Grad(y, x, retainGraph: true);
        var second = Autograd.Grad(y, x);

        // Then
        first.ToArray<double>().ShouldBe([Math.Exp(0.5)], 1e-15);
        second.ToArray<double>().ShouldBe(first.ToArray<double>());
    }

    [Fact]
    public void Should_record_nothing_and_restore_the_mode_When_inside_no_grad()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.Ones([2], DType.Float64).RequiresGrad_();
        Tensor insideNoGrad;
        Tensor insideEnableGrad;

        // When
        using (Autograd.NoGrad())
        {
            Autograd.IsGradEnabled.ShouldBeFalse();
            insideNoGrad = x * 2.0;
            using (Autograd.EnableGrad())
            {
                insideEnableGrad = x * 2.0;
            }

            Autograd.IsGradEnabled.ShouldBeFalse();
        }

        // Then
        Autograd.IsGradEnabled.ShouldBeTrue();
        insideNoGrad.RequiresGrad.ShouldBeFalse();
        insideEnableGrad.RequiresGrad.ShouldBeTrue();
        (x * 2.0).RequiresGrad.ShouldBeTrue();
    }

    [Fact]
    public void Should_stop_gradients_but_share_data_When_detached()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2).RequiresGrad_();

        // When
        var detached = x.Detach();
        var grad = Autograd.Grad((x * detached.Square()).Sum(), x);
        using (Autograd.NoGrad())
        {
            detached.Mul_(10.0);
        }

        // Then: the detached factor counts as a constant; it still aliases x's storage
        detached.RequiresGrad.ShouldBeFalse();
        grad.ToArray<double>().ShouldBe([1.0, 4]);
        x.ToArray<double>().ShouldBe([10.0, 20]);
    }

    [Fact]
    public void Should_be_the_same_autograd_tensor_When_aliased()
    {
        // Given
        using var scope = TensorScope.Begin();
        var x = Torch.FromArray(new double[] { 1, 2 }, 2).RequiresGrad_();

        // When
        var alias = x.Alias();
        alias.Square().Sum().Backward();

        // Then
        alias.IsSameAs(x).ShouldBeTrue();
        x.Clone().IsSameAs(x).ShouldBeFalse();
        x.Grad!.ToArray<double>().ShouldBe([2.0, 4]);
    }
}
