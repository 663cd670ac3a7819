using Bulwark.Data;
using Bulwark.Torch;

namespace Bulwark.Defenses.Training;

/// <summary>
/// The batches of an epoch of N-fold Gaussian noise augmentation (<see cref="GaussianAugmentation"/>): the epoch goes
/// over (N + 1)·n samples, fold 0 the n clean images and folds 1..N the same images plus noise σ·z, all shuffled
/// together and cut into batches as <see cref="DataLoader"/> does — so an epoch has (N + 1)× the optimizer steps, as in
/// the reference, whose dataset length is multiplied by folds + 1. Noise is drawn per batch, never stored for the
/// whole epoch.
/// <para>
/// Everything random depends only on (<see cref="Seed"/>, epoch), so a run resumed at epoch 7 sees the same order and
/// the same noise as the run that was interrupted: the order comes from one generator per epoch, the noise from
/// another, drawn batch after batch (independent per image). With <see cref="GaussianAugmentation.SharedNoise"/> fold
/// o's noise is instead one tensor seeded with <c>Seed + o</c>, the same for every image of the fold in every epoch.
/// Noisy images are clipped to [0, 1] only with <see cref="GaussianAugmentation.Clip"/>; clean ones pass bit for bit.
/// </para>
/// <para>
/// Like <see cref="DataLoader"/>, the loader owns the batches it hands out: a batch is freed when the next one is drawn.
/// </para>
/// </summary>
public sealed class GaussianAugmentationLoader : IDisposable
{
    private const ulong OrderStream = 0;
    private const ulong NoiseStream = 1;

    // Row o (o ≥ 1) is fold o's fixed noise z; row 0 belongs to the clean fold and is never used. Null unless SharedNoise.
    private readonly Tensor? sharedNoise;

    /// <param name="dataset">The clean training images in [0, 1]; the loader does not own it.</param>
    /// <param name="augmentation">Folds, σ and the clipping and shared-noise switches.</param>
    /// <param name="batchSize">Samples per batch, clean and noisy together.</param>
    /// <param name="seed">The seed the per-epoch order and noise derive from.</param>
    /// <param name="dropLast">Leave out a last batch of the enlarged epoch smaller than <paramref name="batchSize"/>.</param>
    public GaussianAugmentationLoader(TensorDataset dataset, GaussianAugmentation augmentation, int batchSize, ulong seed = 0, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Validate(augmentation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Dataset = dataset;
        Augmentation = augmentation;
        BatchSize = batchSize;
        Seed = seed;
        DropLast = dropLast;
        TotalCount = checked((long)(augmentation.Folds + 1) * dataset.Count);
        if (augmentation.SharedNoise)
        {
            sharedNoise = MakeSharedNoise();
        }
    }

    public TensorDataset Dataset { get; }

    public GaussianAugmentation Augmentation { get; }

    public int BatchSize { get; }

    public ulong Seed { get; }

    public bool DropLast { get; }

    /// <summary>Samples in the enlarged epoch before batching: (folds + 1) × the dataset's count.</summary>
    public long TotalCount { get; }

    /// <summary>Number of batches (optimizer steps) per epoch.</summary>
    public int BatchCount => checked((int)(DropLast ? TotalCount / BatchSize : (TotalCount + BatchSize - 1) / BatchSize));

    /// <summary>Number of samples per epoch (less the dropped remainder when <see cref="DropLast"/>).</summary>
    public long SampleCount => DropLast ? (long)BatchCount * BatchSize : TotalCount;

    /// <summary>
    /// Checks an augmentation's settings: at least one fold and a finite, non-negative σ.
    /// </summary>
    /// <exception cref="ArgumentNullException">No augmentation.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than one fold, or σ negative or not finite.</exception>
    public static void Validate(GaussianAugmentation augmentation)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        if (augmentation.Folds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(augmentation), augmentation.Folds,
                "Gaussian augmentation needs at least one noisy fold (Folds ≥ 1)");
        }

        if (!(augmentation.Sigma >= 0) || double.IsInfinity(augmentation.Sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(augmentation), augmentation.Sigma,
                "the σ of Gaussian augmentation must be finite and non-negative");
        }
    }

    /// <summary>The batches of <paramref name="epoch"/>, in its order.</summary>
    public IEnumerable<DataBatch> ForEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ObjectDisposedException.ThrowIf(sharedNoise?.IsDisposed == true, this);
        return Enumerate(epoch);
    }

    public override string ToString() =>
        $"GaussianAugmentationLoader({Dataset.Name}, {Augmentation}, batch size {BatchSize}, seed {Seed}{(DropLast ? ", drop last" : string.Empty)})";

    public void Dispose() => sharedNoise?.Dispose();

    private IEnumerable<DataBatch> Enumerate(int epoch)
    {
        // Position p of the enlarged epoch is image p mod n of fold p div n.
        long[] order;
        using (var scope = TensorScope.Begin())
        using (var orderGenerator = new Generator(StreamSeed(Seed, OrderStream, epoch)))
        {
            order = Torch.Torch.Randperm(TotalCount, orderGenerator).ToArray<long>();
        }

        using var noiseGenerator = new Generator(StreamSeed(Seed, NoiseStream, epoch));
        DataBatch? current = null;
        try
        {
            var batches = BatchCount;
            for (var b = 0; b < batches; b++)
            {
                current?.Dispose();
                current = null;
                var start = (long)b * BatchSize;
                current = MakeBatch(order.AsSpan((int)start, (int)Math.Min(BatchSize, TotalCount - start)), noiseGenerator);
                yield return current.Value;
            }
        }
        finally
        {
            current?.Dispose();
        }
    }

    private DataBatch MakeBatch(ReadOnlySpan<long> positions, Generator noiseGenerator)
    {
        var count = positions.Length;
        var images = new long[count];
        var folds = new long[count];
        for (var i = 0; i < count; i++)
        {
            images[i] = positions[i] % Dataset.Count;
            folds[i] = positions[i] / Dataset.Count;
        }

        using var scope = TensorScope.Begin();
        var (clean, labels) = Dataset.Batch(images);
        var foldOfRow = Torch.Torch.FromArray(folds, count);
        var z = sharedNoise is null
            ? Torch.Torch.Randn(clean.Shape, noiseGenerator, clean.DType)
            : sharedNoise.IndexSelect(0, foldOfRow).To(clean.DType);
        var noisy = clean.Add(z, Augmentation.Sigma);
        if (Augmentation.Clip)
        {
            noisy = noisy.Clamp(0, 1);
        }

        long[] rowShape = [count, .. Enumerable.Repeat(1L, clean.Shape.Length - 1)];
        var isNoisy = foldOfRow.Gt(0).View(rowShape);
        var batchImages = Torch.Torch.Where(isNoisy, noisy, clean);

        // The loader frees each batch itself, so no scope of the caller's may free it first.
        return new DataBatch(scope.Release(batchImages), scope.Release(labels));
    }

    private Tensor MakeSharedNoise()
    {
        // The reference reseeds its RNG with seed + fold for every item, so every image of a fold gets one noise tensor.
        using var scope = TensorScope.Begin();
        long[] shape = [1, .. Dataset.ImageShape];
        var rows = new List<Tensor> { Torch.Torch.Zeros(shape) };
        for (var fold = 1; fold <= Augmentation.Folds; fold++)
        {
            using var generator = new Generator(Seed + (ulong)fold);
            rows.Add(Torch.Torch.Randn(shape, generator));
        }

        return scope.Release(Torch.Torch.Cat(rows));
    }

    /// <summary>
    /// The seed of one stream's generator in one epoch: <see cref="DataLoader"/>'s per-epoch SplitMix64, applied to the
    /// loader's seed offset by a large odd constant per stream, so nearby seeds, streams and epochs give unrelated generators.
    /// </summary>
    private static ulong StreamSeed(ulong seed, ulong stream, int epoch) =>
        DataLoader.EpochSeed(unchecked(seed + (0xD1B54A32D192ED03UL * (stream + 1))), epoch);
}
