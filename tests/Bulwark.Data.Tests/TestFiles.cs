using System.Buffers.Binary;
using System.IO.Compression;

namespace Bulwark.Data.Tests;

/// <summary>A temporary folder, deleted with everything in it when disposed.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("bulwark-data-tests-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes)
    {
        var path = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Writes IDX and CIFAR files byte by byte, independently of the readers under test.</summary>
internal static class Formats
{
    public static byte[] Idx(byte type, int[] dims, byte[] bigEndianData)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (var dim in dims)
        {
            var buffer = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(buffer, dim);
            bytes.AddRange(buffer);
        }

        bytes.AddRange(bigEndianData);
        return [.. bytes];
    }

    public static byte[] IdxBytes(int[] dims, byte[] data) => Idx(0x08, dims, data);

    public static byte[] IdxInt32(int[] dims, int[] values) =>
        Idx(0x0C, dims, [.. values.SelectMany(v => { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); return b; })]);

    public static byte[] IdxInt16(int[] dims, short[] values) =>
        Idx(0x0B, dims, [.. values.SelectMany(v => { var b = new byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, v); return b; })]);

    public static byte[] IdxFloat32(int[] dims, float[] values) =>
        Idx(0x0D, dims, [.. values.SelectMany(v => { var b = new byte[4]; BinaryPrimitives.WriteSingleBigEndian(b, v); return b; })]);

    public static byte[] IdxFloat64(int[] dims, double[] values) =>
        Idx(0x0E, dims, [.. values.SelectMany(v => { var b = new byte[8]; BinaryPrimitives.WriteDoubleBigEndian(b, v); return b; })]);

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>CIFAR records: <paramref name="labelBytes"/>(i) then 3072 pixel bytes whose value is (i + p) mod 256.</summary>
    public static byte[] Cifar(int count, Func<int, byte[]> labelBytes)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < count; i++)
        {
            bytes.AddRange(labelBytes(i));
            for (var p = 0; p < 3072; p++)
            {
                bytes.Add(Pixel(i, p));
            }
        }

        return [.. bytes];
    }

    public static byte Pixel(int record, int position) => (byte)((record + (7 * position)) % 256);

    /// <summary>A small dataset in the MNIST layout: images whose pixels all equal their index, labels index mod 10.</summary>
    public static void WriteMnistLayout(string folder, int trainCount, int testCount, int size = 4, bool gzip = false)
    {
        Directory.CreateDirectory(folder);
        void Write(string name, byte[] bytes) =>
            File.WriteAllBytes(Path.Combine(folder, gzip ? name + ".gz" : name), gzip ? Gzip(bytes) : bytes);

        foreach (var (prefix, count) in new[] { ("train", trainCount), ("t10k", testCount) })
        {
            var pixels = Enumerable.Range(0, count).SelectMany(i => Enumerable.Repeat((byte)i, size * size)).ToArray();
            Write($"{prefix}-images-idx3-ubyte", IdxBytes([count, size, size], pixels));
            Write($"{prefix}-labels-idx1-ubyte", IdxBytes([count], [.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))]));
        }
    }
}
