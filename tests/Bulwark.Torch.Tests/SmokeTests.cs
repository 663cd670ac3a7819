using Bulwark.Torch;

namespace Bulwark.Torch.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Should_add_tensors_When_shapes_broadcast()
    {
        using var scope = TensorScope.Begin();
        var a = Torch.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = Torch.TensorOf(10f, 20f);
        var c = a + b;
        c.ToArray<float>().ShouldBe([11f, 22f, 13f, 24f]);
        c.Shape.ShouldBe([2L, 2L]);
    }

    [Fact]
    public void Should_throw_TorchException_with_message_When_shapes_mismatch()
    {
        using var scope = TensorScope.Begin();
        var a = Torch.Zeros(2, 3);
        var b = Torch.Zeros(4, 5);
        var error = Should.Throw<TorchException>(() => a.Matmul(b));
        error.Message.ShouldContain("cannot be multiplied");
        error.Message.ShouldNotContain("Exception raised from");
    }
}
