using System.Buffers.Binary;
using System.IO.Compression;

namespace Bulwark.Evaluation;

/// <summary>
/// A minimal PNG writer (8-bit greyscale or RGB, no interlacing, filter 0 on every row): enough for the report's
/// example images, with no image package. Layout per the PNG specification (ISO/IEC 15948): signature, IHDR,
/// one zlib-compressed IDAT, IEND, each chunk closed by the CRC-32 of its type and data.
/// </summary>
internal static class PngImage
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Encodes <paramref name="pixels"/> (row-major, <paramref name="channels"/> interleaved bytes per pixel;
    /// 1 = greyscale, 3 = RGB) as a PNG file.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive, the channel count is not 1 or 3, or the pixel count disagrees.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (channels is not (1 or 3))
        {
            throw new ArgumentException($"a PNG here has 1 (greyscale) or 3 (RGB) channels; got {channels}", nameof(channels));
        }

        var stride = checked(width * channels);
        if (pixels.Length != checked(stride * height))
        {
            throw new ArgumentException($"{width}x{height}x{channels} needs {stride * height} bytes; got {pixels.Length}", nameof(pixels));
        }

        using var file = new MemoryStream();
        file.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;                                  // bit depth
        header[9] = (byte)(channels == 1 ? 0 : 2);      // colour type: 0 greyscale, 2 truecolour
        header[10] = 0;                                 // compression: deflate
        header[11] = 0;                                 // filter method: adaptive (each row names its filter)
        header[12] = 0;                                 // no interlace
        WriteChunk(file, "IHDR"u8, header);

        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                for (var row = 0; row < height; row++)
                {
                    zlib.WriteByte(0);                  // filter type 0: the row as it is
                    zlib.Write(pixels.Slice(row * stride, stride));
                }
            }

            WriteChunk(file, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }

        WriteChunk(file, "IEND"u8, []);
        return file.ToArray();
    }

    private static void WriteChunk(Stream file, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        file.Write(type);
        file.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Append(Crc32.Compute(type), data));
        file.Write(word);
    }
}
