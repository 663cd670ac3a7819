using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST: the magic number <c>00 00 type ndim</c>, then
/// <c>ndim</c> big-endian int32 dimensions, then the elements, big-endian and row-major. A file may be stored
/// raw or gzip-compressed; which one is told by its first bytes, not by its name.
/// <code>
/// using var images = IdxReader.Read("mnist/train-images-idx3-ubyte.gz");   // uint8 [60000, 28, 28]
/// </code>
/// </summary>
public static class IdxReader
{
    private const int MaxDimensions = 32;

    // A deflate stream cannot expand its input by more than about 1032:1, so a header that declares more
    // data than that is corrupt, and is reported before a huge buffer is allocated for it.
    private const long MaxDeflateRatio = 1032;

    /// <summary>
    /// Reads the whole file into a tensor with the file's shape: <c>uint8</c> for unsigned bytes, <c>int32</c> for
    /// signed bytes, 16- and 32-bit integers, <c>float32</c> and <c>float64</c> for the floating-point types.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not IDX (bad magic number, unknown element type), is truncated, holds more data than its
    /// header declares, or is a corrupt gzip stream. The message names the file and says which.
    /// </exception>
    public static Tensor Read(string path)
    {
        using var file = Open(path, out var compressed);
        using var input = compressed ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        var header = ReadHeader(input, path, compressed);
        var data = ReadData(input, path, header, file.Length);
        return ToTensor(data, header);
    }

    /// <summary>Reads only the header: element type, shape and whether the file is compressed.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The header is missing, truncated or invalid.</exception>
    public static IdxHeader ReadHeader(string path)
    {
        using var file = Open(path, out var compressed);
        using var input = compressed ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        return ReadHeader(input, path, compressed);
    }

    /// <summary>Bytes per element of <paramref name="type"/> as stored in the file.</summary>
    public static int ElementSize(IdxElementType type) => type switch
    {
        IdxElementType.UnsignedByte or IdxElementType.SignedByte => 1,
        IdxElementType.Int16 => 2,
        IdxElementType.Int32 or IdxElementType.Float32 => 4,
        IdxElementType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not an IDX element type"),
    };

    internal static string Describe(IdxElementType type) => type switch
    {
        IdxElementType.UnsignedByte => "ubyte",
        IdxElementType.SignedByte => "sbyte",
        IdxElementType.Int16 => "int16",
        IdxElementType.Int32 => "int32",
        IdxElementType.Float32 => "float32",
        IdxElementType.Float64 => "float64",
        _ => $"0x{(byte)type:X2}",
    };

    private static FileStream Open(string path, out bool compressed)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            Span<byte> start = stackalloc byte[2];
            var count = file.ReadAtLeast(start, 2, throwOnEndOfStream: false);
            compressed = count == 2 && start[0] == 0x1F && start[1] == 0x8B;
            file.Position = 0;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static IdxHeader ReadHeader(Stream input, string path, bool compressed)
    {
        Span<byte> magic = stackalloc byte[4];
        var count = ReadFully(input, magic, path);
        if (count == 0)
        {
            throw new InvalidDataException($"IDX file '{path}' is empty{(compressed ? " once decompressed" : string.Empty)}.");
        }

        if (count >= 2 && (magic[0] != 0 || magic[1] != 0))
        {
            throw new InvalidDataException(
                $"'{path}' is not an IDX file: it starts with the bytes {Hex(magic[..count])}, but an IDX file starts " +
                "with 00 00, then its element type and number of dimensions.");
        }

        if (count < 4)
        {
            throw new InvalidDataException($"IDX file '{path}' is truncated: it ends inside the 4-byte magic number, after {count} byte(s).");
        }

        var type = (IdxElementType)magic[2];
        if (!Enum.IsDefined(type))
        {
            throw new InvalidDataException(
                $"IDX file '{path}' declares the unknown element type 0x{magic[2]:X2} (known: 0x08 ubyte, 0x09 sbyte, " +
                "0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64).");
        }

        int dimensions = magic[3];
        if (dimensions > MaxDimensions)
        {
            throw new InvalidDataException($"IDX file '{path}' declares {dimensions} dimensions; more than {MaxDimensions} means the header is corrupt.");
        }

        Span<byte> sizes = stackalloc byte[4 * dimensions];
        count = ReadFully(input, sizes, path);
        if (count < sizes.Length)
        {
            throw new InvalidDataException(
                $"IDX file '{path}' is truncated: its header declares {dimensions} dimensions ({sizes.Length} bytes) but ends after {count} of them.");
        }

        var shape = new long[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            var size = BinaryPrimitives.ReadInt32BigEndian(sizes[(4 * i)..]);
            if (size < 0)
            {
                throw new InvalidDataException($"IDX file '{path}' declares a negative size ({size}) for dimension {i}: the header is corrupt.");
            }

            shape[i] = size;
        }

        return new IdxHeader(type, shape, compressed);
    }

    private static byte[] ReadData(Stream input, string path, IdxHeader header, long fileLength)
    {
        var headerLength = 4L + (4L * header.Shape.Count);
        var expected = DataLength(header, path);
        if (!header.IsCompressed && fileLength - headerLength != expected)
        {
            var actual = fileLength - headerLength;
            throw actual < expected
                ? Truncated(path, header, expected, actual)
                : TooLong(path, header, expected, actual - expected);
        }

        if (header.IsCompressed && expected > fileLength * MaxDeflateRatio)
        {
            throw new InvalidDataException(
                $"IDX file '{path}' declares {header} ({expected:N0} bytes of data), more than its {fileLength:N0} compressed bytes " +
                "can hold: the header is corrupt.");
        }

        var data = GC.AllocateUninitializedArray<byte>((int)expected);
        var read = ReadFully(input, data, path);
        if (read < expected)
        {
            throw Truncated(path, header, expected, read);
        }

        var extra = CountRemaining(input, path);
        if (extra > 0)
        {
            throw TooLong(path, header, expected, extra);
        }

        return data;
    }

    private static long DataLength(IdxHeader header, string path)
    {
        try
        {
            var length = checked(header.ElementCount * ElementSize(header.ElementType));
            if (length > Array.MaxLength)
            {
                throw new InvalidDataException(
                    $"IDX file '{path}' declares {header} ({length:N0} bytes of data); Bulwark reads at most {Array.MaxLength:N0} bytes per file.");
            }

            return length;
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"IDX file '{path}' declares {header}, whose size overflows: the header is corrupt.");
        }
    }

    private static InvalidDataException Truncated(string path, IdxHeader header, long expected, long actual) =>
        new($"IDX file '{path}' is truncated: its header declares {header}, which needs {expected:N0} bytes of data, " +
            $"but only {actual:N0} bytes follow the header.");

    private static InvalidDataException TooLong(string path, IdxHeader header, long expected, long extra) =>
        new($"IDX file '{path}' does not match its header: the header declares {header} ({expected:N0} bytes of data), " +
            $"but {extra:N0} more bytes follow, so the dimensions do not match the data.");

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; wraps gzip errors with the file's name.</summary>
    private static int ReadFully(Stream input, Span<byte> buffer, string path)
    {
        try
        {
            return input.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException error)
        {
            throw new InvalidDataException($"IDX file '{path}' is a corrupt gzip stream: {error.Message}", error);
        }
    }

    private static long CountRemaining(Stream input, string path)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int count;
        while ((count = ReadFully(input, buffer, path)) > 0)
        {
            total += count;
        }

        return total;
    }

    private static Tensor ToTensor(byte[] data, IdxHeader header)
    {
        var shape = header.Shape.ToArray();
        switch (header.ElementType)
        {
            case IdxElementType.UnsignedByte:
                return Torch.Torch.FromBytes(data, DType.UInt8, shape);

            case IdxElementType.SignedByte:
            {
                var values = new int[data.Length];
                for (var i = 0; i < data.Length; i++)
                {
                    values[i] = (sbyte)data[i];
                }

                return Torch.Torch.FromArray(values, shape);
            }

            case IdxElementType.Int16:
            {
                var values = new int[data.Length / 2];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadInt16BigEndian(data.AsSpan(2 * i));
                }

                return Torch.Torch.FromArray(values, shape);
            }

            case IdxElementType.Int32:
            case IdxElementType.Float32:
                if (BitConverter.IsLittleEndian)
                {
                    var words = MemoryMarshal.Cast<byte, int>(data.AsSpan());
                    BinaryPrimitives.ReverseEndianness(words, words);
                }

                return Torch.Torch.FromBytes(data, header.ElementType == IdxElementType.Int32 ? DType.Int32 : DType.Float32, shape);

            case IdxElementType.Float64:
                if (BitConverter.IsLittleEndian)
                {
                    var words = MemoryMarshal.Cast<byte, long>(data.AsSpan());
                    BinaryPrimitives.ReverseEndianness(words, words);
                }

                return Torch.Torch.FromBytes(data, DType.Float64, shape);

            default:
                throw new UnreachableException($"element type {header.ElementType} was validated when the header was read");
        }
    }

    private static string Hex(ReadOnlySpan<byte> bytes) => string.Join(' ', bytes.ToArray().Select(b => b.ToString("X2")));
}
