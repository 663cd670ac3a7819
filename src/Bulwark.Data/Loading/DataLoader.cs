using System.Collections;
using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>
/// Cuts a dataset into batches, as PyTorch's <c>DataLoader</c>: a batch size, optional shuffling and
/// <c>drop_last</c>. The order of an epoch depends only on (<see cref="Seed"/>, epoch): it is a permutation drawn
/// from a generator seeded with a mix of the two, so a training run resumed at epoch 7 sees the same batches as
/// the run that was interrupted, without saving any random state.
/// <para>
/// Each batch is made with one <c>IndexSelect</c> on the stored images and one on the labels. The loader owns
/// the batches it hands out: a batch is freed when the next one is drawn (or the enumeration ends), so a loop
/// needs no <c>using</c> for it; <c>Clone()</c> a tensor to keep it longer.
/// </para>
/// <code>
/// var loader = new DataLoader(train, batchSize: 128, shuffle: true, seed: 42);
/// for (var epoch = start; epoch &lt; epochs; epoch++)
///     foreach (var (images, labels) in loader.ForEpoch(epoch)) { ... }
/// </code>
/// </summary>
public sealed class DataLoader : IEnumerable<DataBatch>
{
    private int epoch;

    /// <param name="dataset">The samples; the loader does not own it.</param>
    /// <param name="batchSize">Samples per batch (the last may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">Draw a new order each epoch; otherwise the dataset's order every epoch.</param>
    /// <param name="seed">The seed the per-epoch orders derive from.</param>
    /// <param name="dropLast">Leave out a last batch smaller than <paramref name="batchSize"/>.</param>
    /// <param name="device">Where batches are moved; the CPU (no move) by default.</param>
    public DataLoader(TensorDataset dataset, int batchSize, bool shuffle = false, ulong seed = 0, bool dropLast = false, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Device = device ?? Device.Cpu;
    }

    public TensorDataset Dataset { get; }

    public int BatchSize { get; }

    public bool Shuffle { get; }

    public ulong Seed { get; }

    public bool DropLast { get; }

    public Device Device { get; }

    /// <summary>The epoch that enumerating the loader itself (<c>foreach (var batch in loader)</c>) yields.</summary>
    public int Epoch
    {
        get => epoch;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            epoch = value;
        }
    }

    /// <summary>Number of batches per epoch.</summary>
    public int BatchCount => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>Number of samples per epoch (all of them, less the dropped remainder when <see cref="DropLast"/>).</summary>
    public int SampleCount => DropLast ? BatchCount * BatchSize : Dataset.Count;

    /// <summary>The batches of <paramref name="epochNumber"/>, in its order.</summary>
    public IEnumerable<DataBatch> ForEpoch(int epochNumber)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochNumber);
        return Enumerate(epochNumber);
    }

    /// <summary>The order in which <paramref name="epochNumber"/> visits the dataset's samples (positions in the dataset).</summary>
    public long[] Order(int epochNumber)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochNumber);
        using var scope = TensorScope.Begin();
        return MakeOrder(epochNumber).ToArray<long>();
    }

    public IEnumerator<DataBatch> GetEnumerator() => Enumerate(epoch).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() =>
        $"DataLoader({Dataset.Name}, batch size {BatchSize}, {(Shuffle ? $"shuffled with seed {Seed}" : "in order")}{(DropLast ? ", drop last" : string.Empty)})";

    /// <summary>The seed of epoch <paramref name="epochNumber"/>'s generator: SplitMix64 of the loader's seed and the epoch, so nearby seeds and epochs give unrelated orders.</summary>
    internal static ulong EpochSeed(ulong seed, int epochNumber)
    {
        var z = seed + (0x9E3779B97F4A7C15UL * ((ulong)epochNumber + 1));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private Tensor MakeOrder(int epochNumber)
    {
        if (!Shuffle)
        {
            return Torch.Torch.Arange(Dataset.Count);
        }

        using var generator = new Generator(EpochSeed(Seed, epochNumber));
        return Torch.Torch.Randperm(Dataset.Count, generator);
    }

    private IEnumerable<DataBatch> Enumerate(int epochNumber)
    {
        Tensor order;
        using (var scope = TensorScope.Begin())
        {
            order = scope.Release(MakeOrder(epochNumber));
        }

        DataBatch? current = null;
        try
        {
            var batches = BatchCount;
            for (var b = 0; b < batches; b++)
            {
                current?.Dispose();
                current = null;
                current = MakeBatch(order, b);
                yield return current.Value;
            }
        }
        finally
        {
            current?.Dispose();
            order.Dispose();
        }
    }

    private DataBatch MakeBatch(Tensor order, int index)
    {
        var start = (long)index * BatchSize;
        var length = Math.Min(BatchSize, Dataset.Count - start);
        using var scope = TensorScope.Begin();
        var batch = Dataset.Batch(order.Narrow(0, start, length));
        var images = batch.Images;
        var labels = batch.Labels;
        if (Device.IsCuda)
        {
            images = images.To(Device);
            labels = labels.To(Device);
        }

        // The loader frees each batch itself, so no scope of the caller's may free it first.
        return new DataBatch(scope.Release(images), scope.Release(labels));
    }
}
