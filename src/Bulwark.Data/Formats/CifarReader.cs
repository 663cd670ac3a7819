using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// Reads the binary version of CIFAR-10 and CIFAR-100 (<c>cifar-10-binary.tar.gz</c>, <c>cifar-100-binary.tar.gz</c>).
/// A CIFAR-10 record is 1 label byte and 3072 pixel bytes; a CIFAR-100 record is 2 label bytes (coarse, then
/// fine) and 3072 pixel bytes. The pixels are 1024 red, 1024 green and 1024 blue values, each plane row-major,
/// which is exactly the <c>[3, 32, 32]</c> layout of a tensor.
/// <code>
/// using var train = CifarReader.ReadCifar10(Enumerable.Range(1, 5).Select(i => $"cifar-10-batches-bin/data_batch_{i}.bin"));
/// </code>
/// </summary>
public static class CifarReader
{
    /// <summary>Bytes of pixels per image (3 × 32 × 32).</summary>
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>Reads CIFAR-10 batch files, concatenating their records in the order given.</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is empty, truncated (its size is not a whole number of records) or holds a label above 9.</exception>
    public static CifarRecords ReadCifar10(IEnumerable<string> paths) => Read(paths, labelBytes: 1, "CIFAR-10", [10]);

    /// <inheritdoc cref="ReadCifar10(IEnumerable{string})"/>
    public static CifarRecords ReadCifar10(params string[] paths) => ReadCifar10((IEnumerable<string>)paths);

    /// <summary>Reads CIFAR-100 batch files (<c>train.bin</c>, <c>test.bin</c>), concatenating their records in the order given.</summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is empty, truncated or holds a coarse label above 19 or a fine label above 99.</exception>
    public static CifarRecords ReadCifar100(IEnumerable<string> paths) => Read(paths, labelBytes: 2, "CIFAR-100", [20, 100]);

    /// <inheritdoc cref="ReadCifar100(IEnumerable{string})"/>
    public static CifarRecords ReadCifar100(params string[] paths) => ReadCifar100((IEnumerable<string>)paths);

    private static CifarRecords Read(IEnumerable<string> paths, int labelBytes, string format, int[] classCounts)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = paths.ToArray();
        if (files.Length == 0)
        {
            throw new ArgumentException($"no {format} files were given", nameof(paths));
        }

        var recordSize = labelBytes + ImageBytes;
        var counts = files.Select(path => CountRecords(path, recordSize, labelBytes, format)).ToArray();
        var total = counts.Sum();

        var pixels = GC.AllocateUninitializedArray<byte>(checked((int)(total * ImageBytes)));
        var labels = new long[labelBytes][];
        for (var j = 0; j < labelBytes; j++)
        {
            labels[j] = new long[total];
        }

        var record = new byte[recordSize];
        long next = 0;
        for (var f = 0; f < files.Length; f++)
        {
            using var input = new FileStream(files[f], FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            for (long r = 0; r < counts[f]; r++, next++)
            {
                input.ReadExactly(record);
                for (var j = 0; j < labelBytes; j++)
                {
                    if (record[j] >= classCounts[j])
                    {
                        throw new InvalidDataException(
                            $"{format} file '{files[f]}' is corrupt or not a {format} batch: record {r} has " +
                            $"{(labelBytes == 1 ? "label" : j == 0 ? "coarse label" : "fine label")} {record[j]}, " +
                            $"but {format} labels are 0–{classCounts[j] - 1}.");
                    }

                    labels[j][next] = record[j];
                }

                record.AsSpan(labelBytes).CopyTo(pixels.AsSpan(checked((int)(next * ImageBytes))));
            }
        }

        using var scope = TensorScope.Begin();
        var images = Torch.Torch.FromBytes(pixels, DType.UInt8, total, 3, 32, 32);
        var fine = Torch.Torch.FromArray(labels[labelBytes - 1], total);
        var coarse = labelBytes == 2 ? Torch.Torch.FromArray(labels[0], total) : null;
        scope.Keep(images);
        scope.Keep(fine);
        if (coarse is not null)
        {
            scope.Keep(coarse);
        }

        return new CifarRecords(images, fine, coarse);
    }

    private static long CountRecords(string path, int recordSize, int labelBytes, string format)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{format} file '{path}' does not exist.", path);
        }

        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            throw new InvalidDataException($"{format} file '{path}' is empty.");
        }

        if (length % recordSize != 0)
        {
            throw new InvalidDataException(
                $"{format} file '{path}' is truncated or not a {format} batch: its {length:N0} bytes are not a whole number of " +
                $"{recordSize:N0}-byte records ({labelBytes} label byte{(labelBytes == 1 ? string.Empty : "s")} + {ImageBytes:N0} pixel bytes); " +
                $"it holds {length / recordSize:N0} whole records and {length % recordSize:N0} bytes more.");
        }

        return length / recordSize;
    }
}
