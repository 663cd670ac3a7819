using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Bulwark.Torch.Serialization;

namespace Bulwark.Torch.Tests.Serialization;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("bulwark-safetensors-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string PathOf(string name) => Path.Combine(folder, name);

    /// <summary>A file laid out by hand: the length prefix (or <paramref name="declaredLength"/>), the header text, the data.</summary>
    internal static void WriteRaw(string path, string header, byte[] data, ulong? declaredLength = null)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, declaredLength ?? (ulong)headerBytes.Length);
        File.WriteAllBytes(path, [.. prefix, .. headerBytes, .. data]);
    }

    /// <summary>Tensors of every supported dtype, with the awkward values: NaN, −0, ±∞, extreme integers, empty and 0-d shapes.</summary>
    internal static Dictionary<string, Tensor> EveryDType() => new()
    {
        ["f32"] = Torch.FromArray(new[] { 1.5f, -0f, float.NaN, float.PositiveInfinity, float.Epsilon, -3.25e38f }, 2, 3),
        ["f64"] = Torch.FromArray(new[] { Math.PI, -0.0, double.NegativeInfinity, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_1234) }, 4),
        ["i64"] = Torch.FromArray(new[] { long.MinValue, -1L, 0L, long.MaxValue }, 2, 1, 2),
        ["i32"] = Torch.FromArray(new[] { int.MinValue, 7, int.MaxValue }, 3),
        ["u8"] = Torch.FromArray(new byte[] { 0, 1, 127, 128, 255 }, 5),
        ["bool"] = Torch.FromArray(new[] { true, false, false, true }, 2, 2),
        ["scalar"] = Torch.Scalar(2.5, DType.Float64),
        ["empty"] = Torch.Zeros([0, 3], DType.Float32),
    };

    [Fact]
    public void Should_round_trip_bit_identically_When_saving_every_dtype()
    {
        // Given
        using var scope = TensorScope.Begin();
        var tensors = EveryDType();
        var path = PathOf("every.safetensors");

        // When
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode ✓" });
        var loaded = SafeTensors.Load(path, out var metadata);

        // Then
        loaded.Keys.ShouldBe(tensors.Keys);
        foreach (var (name, tensor) in tensors)
        {
            loaded[name].DType.ShouldBe(tensor.DType, name);
            loaded[name].Shape.ShouldBe(tensor.Shape, name);
            loaded[name].ToBytes().ShouldBe(tensor.ToBytes(), name);
        }

        metadata.ShouldBe(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode ✓" });
    }

    [Fact]
    public void Should_follow_the_format_byte_for_byte_When_writing()
    {
        // Given two tensors with known little-endian bytes
        using var scope = TensorScope.Begin();
        var path = PathOf("spec.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor>
        {
            ["weight"] = Torch.FromArray(new[] { 1f, -2f, 0.5f, 3f, 4f, 5f }, 2, 3),
            ["step"] = Torch.Scalar(7, DType.Int64),
        }, new Dictionary<string, string> { ["epoch"] = "3" });

        // When the file is read by hand
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        using var json = JsonDocument.Parse(header);
        var root = json.RootElement;
        var data = bytes.AsSpan(8 + headerLength);

        // Then the header is the spec's JSON, padded with spaces to an 8-byte boundary, and the data follows in order
        (headerLength % 8).ShouldBe(0);
        header.TrimEnd(' ').ShouldEndWith("}");
        root.GetProperty("__metadata__").GetProperty("epoch").GetString().ShouldBe("3");
        var weight = root.GetProperty("weight");
        weight.GetProperty("dtype").GetString().ShouldBe("F32");
        weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ShouldBe([2L, 3L]);
        weight.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ShouldBe([0L, 24L]);
        var step = root.GetProperty("step");
        step.GetProperty("dtype").GetString().ShouldBe("I64");
        step.GetProperty("shape").GetArrayLength().ShouldBe(0);
        step.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ShouldBe([24L, 32L]);
        data.Length.ShouldBe(32);
        BinaryPrimitives.ReadSingleLittleEndian(data[4..]).ShouldBe(-2f);
        BinaryPrimitives.ReadSingleLittleEndian(data[20..]).ShouldBe(5f);
        BinaryPrimitives.ReadInt64LittleEndian(data[24..]).ShouldBe(7);
    }

    [Fact]
    public void Should_read_a_file_laid_out_by_hand_When_keys_come_in_any_order()
    {
        // Given a file written without Bulwark: metadata last, tensors listed out of data order
        using var scope = TensorScope.Begin();
        var path = PathOf("hand.safetensors");
        byte[] data = [.. BitConverter.GetBytes(2.5), .. BitConverter.GetBytes(-1), .. BitConverter.GetBytes(9)];
        WriteRaw(path, """{"b":{"dtype":"I32","shape":[2],"data_offsets":[8,16]},"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"__metadata__":{"k":"v"}}""", data);

        // When
        var tensors = SafeTensors.Load(path, out var metadata);

        // Then
        tensors["a"].ToArray<double>().ShouldBe([2.5]);
        tensors["b"].ToArray<int>().ShouldBe([-1, 9]);
        metadata["k"].ShouldBe("v");
        SafeTensors.ReadHeader(path).Tensors.Select(e => e.Name).ShouldBe(["b", "a"]);
    }

    [Fact]
    public void Should_replace_the_file_and_leave_no_temporary_When_overwriting()
    {
        using var scope = TensorScope.Begin();
        var path = PathOf("overwrite.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = Torch.Zeros(1000) });

        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["y"] = Torch.Ones(2) });

        SafeTensors.Load(path).Keys.ShouldBe(["y"]);
        Directory.GetFiles(folder).ShouldBe([path]);
    }

    [Fact]
    public void Should_write_a_valid_file_When_there_are_no_tensors()
    {
        var path = PathOf("nothing.safetensors");

        SafeTensors.Save(path, new Dictionary<string, Tensor>());

        SafeTensors.Load(path).ShouldBeEmpty();
        SafeTensors.ReadHeader(path).Metadata.ShouldBeEmpty();
    }

    [Fact]
    public void Should_refuse_a_name_When_it_is_the_metadata_key()
    {
        using var tensor = Torch.Zeros(1);
        Should.Throw<ArgumentException>(() => SafeTensors.Save(PathOf("bad.safetensors"), new Dictionary<string, Tensor> { ["__metadata__"] = tensor }));
    }

    public static TheoryData<string, int, string> CorruptHeaders => new()
    {
        // header, data length, what the message says
        { """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", 8, "not valid JSON" },
        { """[1, 2]""", 0, "not an object" },
        { """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}""", 16, "needs 8" },
        { """{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8, "ends at byte 16" },
        { """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "overlap" },
        { """{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "belong to no tensor" },
        { """{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "cover 4" },
        { """{"x":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}""", 4, "unknown dtype 'Q7'" },
        { """{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", 4, "does not support" },
        { """{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "non-negative integer" },
        { """{"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", 4, "1 data offsets" },
        { """{"x":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", 8, "before it begins" },
        { """{"x":{"shape":[1],"data_offsets":[0,4]}}""", 4, "no dtype" },
        { """{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "twice" },
        { """{"__metadata__":{"n":1}}""", 0, "not a string" },
        { """{"x":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}""", 2, "other than 0 or 1" },
        { """{"x":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", 8, "too large" },
    };

    [Theory]
    [MemberData(nameof(CorruptHeaders))]
    public void Should_throw_InvalidDataException_naming_the_file_When_the_header_is_corrupt(string header, int dataLength, string reason)
    {
        // Given a file whose data bytes are all 7 (so a BOOL holds a byte other than 0 or 1)
        var path = PathOf("corrupt.safetensors");
        WriteRaw(path, header, Enumerable.Repeat((byte)7, dataLength).ToArray());

        // When / Then
        var error = Should.Throw<InvalidDataException>(() => SafeTensors.Load(path));
        error.Message.ShouldContain(path);
        error.Message.ShouldContain(reason);
    }

    [Fact]
    public void Should_throw_InvalidDataException_naming_the_file_When_the_file_is_truncated()
    {
        // Given a good file cut short, one cut inside the length prefix, and one whose header length is absurd
        using var scope = TensorScope.Begin();
        var path = PathOf("whole.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = Torch.Zeros(100) });
        var bytes = File.ReadAllBytes(path);
        var cut = PathOf("cut.safetensors");
        var tiny = PathOf("tiny.safetensors");
        var absurd = PathOf("absurd.safetensors");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        File.WriteAllBytes(tiny, bytes[..5]);
        WriteRaw(absurd, "{}", [], declaredLength: ulong.MaxValue);

        // Then
        foreach (var file in new[] { cut, tiny, absurd })
        {
            var error = Should.Throw<InvalidDataException>(() => SafeTensors.Load(file));
            error.Message.ShouldContain(file);
            error.Message.ShouldContain("truncated");
        }
    }
}
