using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Bulwark.Torch.Serialization;

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors): an unsigned 64-bit
/// little-endian header length N, N bytes of UTF-8 JSON
/// <c>{"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}</c>,
/// then the raw little-endian elements, offsets counted from the start of that data section. No code runs when a
/// file is read, and PyTorch, JAX and NumPy read the same files.
/// <code>
/// SafeTensors.Save("model.safetensors", model.StateDict(), new Dictionary&lt;string, string&gt; { ["arch"] = "resnet18" });
/// var tensors = SafeTensors.Load("model.safetensors", out var metadata);
/// </code>
/// Supported dtypes: F32, F64, I64, I32, U8, BOOL. Each tensor must be below 2 GiB.
/// </summary>
public static class SafeTensors
{
    /// <summary>The header key that holds the free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Headers above this size are refused as corrupt, as the reference implementation does.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes <paramref name="tensors"/> (in their enumeration order) and <paramref name="metadata"/> to
    /// <paramref name="path"/> through <see cref="AtomicFile"/>: under a temporary name in the same folder, then
    /// renamed over <paramref name="path"/>, so a reader never sees a torn file. Tensors on any device are copied to
    /// the host.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor name is empty or is <c>__metadata__</c>.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();

        var entries = new List<(string Name, Tensor Tensor, DType DType, long[] Shape, long Begin, long End)>(tensors.Count);
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
            {
                throw new ArgumentException($"'{name}' cannot name a tensor in a safetensors file", nameof(tensors));
            }

            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            var dtype = tensor.DType;
            var shape = tensor.Shape;
            var length = tensor.NumberOfElements * dtype.ElementSize();
            entries.Add((name, tensor, dtype, shape, offset, offset + length));
            offset += length;
        }

        var header = WriteHeader(entries.Select(e => (e.Name, e.DType, e.Shape, e.Begin, e.End)), metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var entry in entries)
            {
                stream.Write(entry.Tensor.ToBytes());
            }
        });
    }

    /// <summary>Reads every tensor of a safetensors file into new CPU tensors (made in the current scope, if any).</summary>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt; the message names the file.</exception>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Reads every tensor of a safetensors file, and its <c>__metadata__</c> strings.</summary>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt; the message names the file.</exception>
    public static Dictionary<string, Tensor> Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureLittleEndian();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var header = ReadHeader(stream, path);
        metadata = header.Metadata;

        var result = new Dictionary<string, Tensor>(header.Tensors.Count, StringComparer.Ordinal);
        var largest = header.Tensors.Count == 0 ? 0 : header.Tensors.Max(e => e.End - e.Begin);
        if (largest > Array.MaxLength)
        {
            throw Corrupt(path, $"a tensor of {largest} bytes is beyond what Bulwark reads (at most {Array.MaxLength} bytes per tensor)");
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)largest);
        try
        {
            foreach (var entry in header.Tensors)
            {
                var bytes = buffer.AsSpan(0, (int)(entry.End - entry.Begin));
                stream.Position = header.DataStart + entry.Begin;
                try
                {
                    stream.ReadExactly(bytes);
                }
                catch (EndOfStreamException error)
                {
                    throw new InvalidDataException($"'{path}' is truncated: the data of tensor '{entry.Name}' ends early", error);
                }

                if (entry.DType == DType.Bool && bytes.IndexOfAnyExcept((byte)0, (byte)1) >= 0)
                {
                    throw Corrupt(path, $"BOOL tensor '{entry.Name}' holds a byte other than 0 or 1");
                }

                result.Add(entry.Name, Torch.FromBytes(bytes, entry.DType, [.. entry.Shape]));
            }
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return result;
    }

    /// <summary>Reads and validates only the header: names, dtypes, shapes, offsets and metadata.</summary>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt; the message names the file.</exception>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        return ReadHeader(stream, path);
    }

    /// <summary>The safetensors name of a dtype (<c>F32</c>, <c>I64</c>, <c>BOOL</c>, …).</summary>
    public static string DTypeName(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int64 => "I64",
        DType.Int32 => "I32",
        DType.UInt8 => "U8",
        DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no safetensors name for this dtype"),
    };

    private static DType? ParseDType(string name) => name switch
    {
        "F32" => DType.Float32,
        "F64" => DType.Float64,
        "I64" => DType.Int64,
        "I32" => DType.Int32,
        "U8" => DType.UInt8,
        "BOOL" => DType.Bool,
        _ => null,
    };

    // Spelled by the format, but with no Bulwark dtype to hold them.
    private static readonly HashSet<string> KnownButUnsupported =
        ["F16", "BF16", "I8", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "C64"];

    private static byte[] WriteHeader(IEnumerable<(string Name, DType DType, long[] Shape, long Begin, long End)> entries,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output, WriterOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(value, nameof(metadata));
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            foreach (var (name, dtype, shape, begin, end) in entries)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", DTypeName(dtype));
                json.WriteStartArray("shape");
                foreach (var size in shape)
                {
                    json.WriteNumberValue(size);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(begin);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // Pad with spaces (valid JSON whitespace) so the data section starts 8-byte aligned, as the reference writer does.
        var length = output.WrittenCount;
        var padded = new byte[(length + 7) / 8 * 8];
        output.WrittenSpan.CopyTo(padded);
        padded.AsSpan(length).Fill((byte)' ');
        return padded;
    }

    private static SafeTensorsHeader ReadHeader(FileStream stream, string path)
    {
        var fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new InvalidDataException($"'{path}' is truncated or not a safetensors file: it has {fileLength} bytes, fewer than the 8 of the header length");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new InvalidDataException(
                $"'{path}' is truncated or not a safetensors file: its header length {headerLength} goes beyond the {fileLength - 8} bytes that follow it");
        }

        if (headerLength > MaxHeaderBytes)
        {
            throw Corrupt(path, $"its header length {headerLength} is above the limit of {MaxHeaderBytes} bytes");
        }

        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"'{path}' is not a valid safetensors file: its header is not valid JSON ({error.Message})", error);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Corrupt(path, $"its header is a JSON {root.ValueKind}, not an object");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var entries = new List<SafeTensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw Corrupt(path, $"its header names '{property.Name}' twice");
                }

                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, path);
                }
                else
                {
                    entries.Add(ReadEntry(property.Name, property.Value, path));
                }
            }

            CheckLayout(entries, dataLength, path);
            return new SafeTensorsHeader(entries, metadata, dataStart);
        }
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt(path, $"'{MetadataKey}' is a JSON {element.ValueKind}, not an object of strings");
        }

        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Corrupt(path, $"metadata '{item.Name}' is a JSON {item.Value.ValueKind}, not a string");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Corrupt(path, $"metadata names '{item.Name}' twice");
            }
        }
    }

    private static SafeTensorsEntry ReadEntry(string name, JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt(path, $"the entry of tensor '{name}' is a JSON {element.ValueKind}, not an object");
        }

        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Corrupt(path, $"tensor '{name}' has no dtype string");
        }

        var dtypeName = dtypeElement.GetString()!;
        var dtype = ParseDType(dtypeName) ?? throw Corrupt(path, KnownButUnsupported.Contains(dtypeName)
            ? $"tensor '{name}' has dtype {dtypeName}, which Bulwark does not support (F32, F64, I64, I32, U8, BOOL)"
            : $"tensor '{name}' has an unknown dtype '{dtypeName}'");

        var shape = ReadIntegers(element, "shape", name, path);
        var offsets = ReadIntegers(element, "data_offsets", name, path);
        if (offsets.Length != 2)
        {
            throw Corrupt(path, $"tensor '{name}' has {offsets.Length} data offsets, not 2");
        }

        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
        {
            throw Corrupt(path, $"tensor '{name}' ends (at {end}) before it begins (at {begin})");
        }

        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (product, size) => product * size) * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw Corrupt(path, $"the shape [{string.Join(", ", shape)}] of tensor '{name}' is too large");
        }

        if (end - begin != expected)
        {
            throw Corrupt(path, string.Create(CultureInfo.InvariantCulture,
                $"tensor '{name}' spans {end - begin} bytes, but {dtypeName} of shape [{string.Join(", ", shape)}] needs {expected}"));
        }

        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(JsonElement entry, string field, string name, string path)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw Corrupt(path, $"tensor '{name}' has no '{field}' array");
        }

        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw Corrupt(path, $"'{field}' of tensor '{name}' holds {item.GetRawText()}, not a non-negative integer");
            }

            values[i++] = value;
        }

        return values;
    }

    /// <summary>The tensors must tile the data section exactly: in range, no overlap, no gap, nothing after the last.</summary>
    private static void CheckLayout(List<SafeTensorsEntry> entries, long dataLength, string path)
    {
        long position = 0;
        SafeTensorsEntry? previous = null;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.End > dataLength)
            {
                throw new InvalidDataException(
                    $"'{path}' is truncated or corrupt: tensor '{entry.Name}' ends at byte {entry.End} of a data section of {dataLength} bytes");
            }

            if (entry.Begin < position)
            {
                throw Corrupt(path, $"tensors '{previous!.Name}' and '{entry.Name}' overlap");
            }

            if (entry.Begin > position)
            {
                throw Corrupt(path, $"bytes {position}..{entry.Begin} of the data section belong to no tensor");
            }

            position = entry.End;
            previous = entry;
        }

        if (position != dataLength)
        {
            throw Corrupt(path, $"the data section has {dataLength} bytes but its tensors cover {position}");
        }
    }

    private static InvalidDataException Corrupt(string path, string reason) =>
        new($"'{path}' is not a valid safetensors file: {reason}");

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors files are little-endian; this machine is not");
        }
    }
}
