using System.Globalization;
using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// An image-classification dataset held in memory: images <c>[N, C, H, W]</c> and labels <c>int64 [N]</c>.
/// Images stored as <c>uint8</c> stay so (a quarter of the memory of float32) and are scaled to [0, 1] when a
/// batch is made; floating-point images are taken to be in [0, 1] already and are stored as <c>float32</c>.
/// Every batch is <c>float32</c>. A <see cref="Subset(IReadOnlyList{long})"/> shares the data of the dataset it
/// comes from, so a train/validation split copies nothing; each subset is disposed on its own.
/// <code>
/// using var train = Mnist.Load(DataDirectory.Resolve(null), train: true);
/// using var batch = train.Batch([0, 1, 2]);      // images float32 [3, 1, 28, 28], labels int64 [3]
/// </code>
/// </summary>
public sealed class TensorDataset : IDisposable
{
    private readonly Tensor images;
    private readonly Tensor labels;

    // Rows of images/labels that make up this dataset, in order; null means all rows.
    private readonly long[]? rows;
    private readonly Tensor? rowTensor;

    /// <summary>
    /// A dataset over <paramref name="images"/> (<c>uint8</c>, <c>float32</c> or <c>float64</c>, <c>[N, C, H, W]</c>)
    /// and <paramref name="labels"/> (an integer type, <c>[N]</c>). The dataset keeps its own references to the data;
    /// the caller still owns (and may dispose) the tensors it passed.
    /// </summary>
    /// <param name="images">The images, <c>[N, C, H, W]</c>.</param>
    /// <param name="labels">The class of each image, <c>[N]</c>.</param>
    /// <param name="name">A name for messages and reports, e.g. <c>"MNIST (train)"</c>.</param>
    /// <param name="classNames">The name of each class; by default "0", "1", … up to the largest label.</param>
    /// <exception cref="ArgumentException">The shapes or element types are not those of an image dataset.</exception>
    public TensorDataset(Tensor images, Tensor labels, string name = "dataset", IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(name);
        var imageShape = images.Shape;
        if (imageShape.Length != 4)
        {
            throw new ArgumentException($"images must be [N, C, H, W]; got shape [{string.Join(", ", imageShape)}]", nameof(images));
        }

        if (images.DType is not (DType.UInt8 or DType.Float32 or DType.Float64))
        {
            throw new ArgumentException($"images must be uint8, float32 or float64; got {images.DType.ToTorchName()}", nameof(images));
        }

        var labelShape = labels.Shape;
        if (labelShape.Length != 1 || labelShape[0] != imageShape[0])
        {
            throw new ArgumentException(
                $"labels must be [{imageShape[0]}], one per image; got shape [{string.Join(", ", labelShape)}]", nameof(labels));
        }

        if (labels.DType is not (DType.UInt8 or DType.Int32 or DType.Int64))
        {
            throw new ArgumentException($"labels must be an integer type; got {labels.DType.ToTorchName()}", nameof(labels));
        }

        if (imageShape[0] > int.MaxValue)
        {
            throw new ArgumentException($"a dataset holds at most {int.MaxValue} samples; got {imageShape[0]}", nameof(images));
        }

        using var scope = TensorScope.Begin();
        var (smallest, largest) = labelShape[0] == 0 ? (0L, -1L) : (labels.Min().ToInt64(), labels.Max().ToInt64());
        if (smallest < 0)
        {
            throw new ArgumentException($"labels must be class indices 0, 1, …; found {smallest}", nameof(labels));
        }

        classNames ??= [.. Enumerable.Range(0, checked((int)largest + 1)).Select(i => i.ToString(CultureInfo.InvariantCulture))];
        if (largest >= classNames.Count)
        {
            throw new ArgumentException($"labels go up to {largest}, but only {classNames.Count} class names were given", nameof(classNames));
        }

        this.images = scope.Release(images.DType is DType.Float64 ? images.Float() : images.Alias());
        this.labels = scope.Release(labels.DType is DType.Int64 ? labels.Alias() : labels.Long());
        Count = (int)imageShape[0];
        Name = name;
        ImageShape = imageShape[1..];
        ClassNames = classNames;
    }

    private TensorDataset(TensorDataset source, long[] rows)
    {
        using var scope = TensorScope.Begin();
        images = scope.Release(source.images.Alias());
        labels = scope.Release(source.labels.Alias());
        this.rows = rows;
        rowTensor = scope.Release(Torch.Torch.FromArray(rows, rows.Length));
        Count = rows.Length;
        Name = source.Name;
        ImageShape = source.ImageShape;
        ClassNames = source.ClassNames;
    }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>A name for messages and reports.</summary>
    public string Name { get; }

    /// <summary>The shape of one image, <c>[C, H, W]</c>.</summary>
    public IReadOnlyList<long> ImageShape { get; }

    /// <summary>The name of each class, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes (the length of <see cref="ClassNames"/>).</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>Whether the images are stored as <c>uint8</c> (and scaled to [0, 1] per batch).</summary>
    public bool StoresBytes => images.DType == DType.UInt8;

    /// <summary>The samples at <paramref name="indices"/> (positions in this dataset), as a dataset sharing this one's data.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public TensorDataset Subset(IReadOnlyList<long> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var selected = new long[indices.Count];
        for (var i = 0; i < selected.Length; i++)
        {
            selected[i] = RowOf(indices[i]);
        }

        return new TensorDataset(this, selected);
    }

    /// <inheritdoc cref="Subset(IReadOnlyList{long})"/>
    public TensorDataset Subset(IEnumerable<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return Subset(indices.Select(i => (long)i).ToArray());
    }

    /// <summary>The first <paramref name="count"/> samples (all of them if there are fewer), e.g. the usual 1000 test images of a robustness evaluation.</summary>
    public TensorDataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Subset(Enumerable.Range(0, Math.Min(count, Count)));
    }

    /// <summary>The samples at <paramref name="indices"/>: images <c>float32 [B, C, H, W]</c> in [0, 1], labels <c>int64 [B]</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public DataBatch Batch(IReadOnlyList<long> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var values = indices.ToArray();
        foreach (var index in values)
        {
            _ = RowOf(index);
        }

        using var scope = TensorScope.Begin();
        var batch = Batch(Torch.Torch.FromArray(values, values.Length));
        return new DataBatch(scope.Keep(batch.Images), scope.Keep(batch.Labels));
    }

    /// <summary>
    /// The samples at <paramref name="indices"/> (an <c>int64</c> tensor of positions in this dataset), made with one
    /// <c>IndexSelect</c> on the stored images and one on the labels. This is the path <see cref="DataLoader"/> takes.
    /// </summary>
    public DataBatch Batch(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ObjectDisposedException.ThrowIf(images.IsDisposed, this);
        using var scope = TensorScope.Begin();
        var selectedRows = rowTensor is null ? indices : rowTensor.IndexSelect(0, indices);
        var x = images.IndexSelect(0, selectedRows);
        if (x.DType == DType.UInt8)
        {
            // as torchvision's ToTensor: bytes 0..255 become 0..1
            x = x.Float().Div(255.0);
        }

        var y = labels.IndexSelect(0, selectedRows);
        return new DataBatch(scope.Keep(x), scope.Keep(y));
    }

    /// <summary>Every sample, in order, as one batch.</summary>
    public DataBatch All()
    {
        using var scope = TensorScope.Begin();
        var batch = Batch(Torch.Torch.Arange(Count));
        return new DataBatch(scope.Keep(batch.Images), scope.Keep(batch.Labels));
    }

    /// <summary>The labels, in order, copied into an array.</summary>
    public long[] GetLabels()
    {
        ObjectDisposedException.ThrowIf(labels.IsDisposed, this);
        var all = labels.ToArray<long>();
        return rows is null ? all : Array.ConvertAll(rows, row => all[row]);
    }

    public override string ToString() =>
        $"{Name}: {Count} images [{string.Join(", ", ImageShape)}], {ClassCount} classes";

    public void Dispose()
    {
        images.Dispose();
        labels.Dispose();
        rowTensor?.Dispose();
    }

    private long RowOf(long index)
    {
        if (index < 0 || index >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{Name} has {Count} samples; index {index} is outside [0, {Count})");
        }

        return rows is null ? index : rows[index];
    }
}
