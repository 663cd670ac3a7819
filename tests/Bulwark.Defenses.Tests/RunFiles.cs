using Bulwark.Torch.Serialization;

namespace Bulwark.Defenses.Tests;

/// <summary>Reads what a run directory holds, in forms that compare exactly.</summary>
internal static class RunFiles
{
    /// <summary>Every tensor of a safetensors file as its raw little-endian bytes, by name.</summary>
    public static Dictionary<string, byte[]> TensorBytes(string file)
    {
        var tensors = SafeTensors.Load(file);
        try
        {
            return tensors.ToDictionary(t => t.Key, t => t.Value.ToBytes());
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Asserts that two safetensors files hold the same tensor names with bit-identical contents.</summary>
    public static void ShouldHoldIdenticalTensors(string actualFile, string expectedFile)
    {
        var actual = TensorBytes(actualFile);
        var expected = TensorBytes(expectedFile);
        actual.Keys.Order().ShouldBe(expected.Keys.Order());
        foreach (var (name, bytes) in expected)
        {
            actual[name].SequenceEqual(bytes).ShouldBeTrue($"tensor '{name}' differs between {actualFile} and {expectedFile}");
        }
    }

    /// <summary>Whether any tensor of the two files differs in any bit.</summary>
    public static bool AnyTensorDiffers(string firstFile, string secondFile)
    {
        var first = TensorBytes(firstFile);
        var second = TensorBytes(secondFile);
        return first.Any(t => !second.TryGetValue(t.Key, out var other) || !other.SequenceEqual(t.Value));
    }
}
