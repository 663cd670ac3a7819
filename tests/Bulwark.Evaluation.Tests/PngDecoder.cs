using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Bulwark.Evaluation.Tests;

/// <summary>
/// A PNG reader written from the specification, independent of the encoder under test: it checks the signature,
/// every chunk's CRC-32 (computed bit by bit, without a table), the IHDR fields, inflates the IDAT stream and undoes
/// all five row filters. 8-bit greyscale, RGB and RGBA only.
/// </summary>
internal static class PngDecoder
{
    internal sealed record Image(int Width, int Height, int Channels, byte[] Pixels, IReadOnlyList<string> Chunks);

    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static Image Decode(byte[] file)
    {
        file.AsSpan(0, 8).ToArray().ShouldBe(Signature, "PNG signature");
        var chunks = new List<string>();
        using var idat = new MemoryStream();
        int width = 0, height = 0, channels = 0;
        var offset = 8;
        while (true)
        {
            (offset + 12).ShouldBeLessThanOrEqualTo(file.Length, "chunk header runs past the end");
            var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset));
            var type = Encoding.ASCII.GetString(file, offset + 4, 4);
            var data = file.AsSpan(offset + 8, length);
            var stored = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset + 8 + length));
            BitwiseCrc32(file.AsSpan(offset + 4, 4 + length)).ShouldBe(stored, $"CRC of chunk {type}");
            chunks.Add(type);
            offset += 12 + length;
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    data[8].ShouldBe((byte)8, "bit depth");
                    channels = data[9] switch { 0 => 1, 2 => 3, 6 => 4, var t => throw new ShouldAssertException($"colour type {t} not expected") };
                    data[10].ShouldBe((byte)0, "compression method");
                    data[11].ShouldBe((byte)0, "filter method");
                    data[12].ShouldBe((byte)0, "interlace");
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }

            if (type == "IEND")
            {
                offset.ShouldBe(file.Length, "bytes after IEND");
                break;
            }
        }

        chunks[0].ShouldBe("IHDR");
        var stride = width * channels;
        var raw = new MemoryStream();
        idat.Position = 0;
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(raw);
        }

        var filtered = raw.ToArray();
        filtered.Length.ShouldBe(height * (stride + 1), "inflated size");
        var pixels = new byte[height * stride];
        for (var row = 0; row < height; row++)
        {
            var filter = filtered[row * (stride + 1)];
            for (var i = 0; i < stride; i++)
            {
                var x = filtered[row * (stride + 1) + 1 + i];
                int a = i >= channels ? pixels[row * stride + i - channels] : 0;
                int b = row > 0 ? pixels[(row - 1) * stride + i] : 0;
                int c = row > 0 && i >= channels ? pixels[(row - 1) * stride + i - channels] : 0;
                var predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new ShouldAssertException($"row {row} has filter type {filter}"),
                };
                pixels[row * stride + i] = (byte)(x + predictor);
            }
        }

        return new Image(width, height, channels, pixels, chunks);
    }

    /// <summary>CRC-32 (reflected 0xEDB88320), one bit at a time.</summary>
    public static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
            }
        }

        return ~crc;
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
