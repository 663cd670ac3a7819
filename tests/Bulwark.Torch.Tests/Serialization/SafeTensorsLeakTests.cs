using Bulwark.TestKit;
using Bulwark.Torch.Serialization;
using Bulwark.Torch.Tests.Optim;

namespace Bulwark.Torch.Tests.Serialization;

[Collection(LeakCheckCollection.Name)]
public sealed class SafeTensorsLeakTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("bulwark-safetensors-leaks-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Should_leave_no_tensor_alive_When_saving_and_loading_inside_a_scope()
    {
        var guard = LeakGuard.Begin();
        var path = Path.Combine(folder, "a.safetensors");

        using (TensorScope.Begin())
        {
            SafeTensors.Save(path, SafeTensorsTests.EveryDType());
            SafeTensors.Load(path).Count.ShouldBe(8);
        }

        guard.AssertNoLeaks();
    }

    [Fact]
    public void Should_free_the_tensors_already_read_When_a_later_one_is_corrupt()
    {
        // Given a file whose second tensor is a BOOL holding a 2
        var path = Path.Combine(folder, "b.safetensors");
        SafeTensorsTests.WriteRaw(path,
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"BOOL","shape":[1],"data_offsets":[4,5]}}""",
            [0, 0, 128, 63, 2]);
        var guard = LeakGuard.Begin();

        Should.Throw<InvalidDataException>(() => SafeTensors.Load(path));

        guard.AssertNoLeaks();
    }
}
