using Bulwark.Torch;

namespace Bulwark.Data;

/// <summary>Seeded, reproducible splits of a dataset.</summary>
public static class DatasetSplit
{
    /// <summary>
    /// Splits <paramref name="dataset"/> into disjoint training and validation subsets that together hold every
    /// sample: <c>round(Count × validationFraction)</c> samples, drawn by a permutation from a generator seeded with
    /// <paramref name="seed"/>, go to validation, the rest to training. Each subset keeps the dataset's order.
    /// The same dataset, fraction and seed always give the same split. Both subsets share the dataset's data and
    /// are disposed by the caller.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validationFraction"/> is not strictly between 0 and 1, or leaves one side empty.</exception>
    public static (TensorDataset Train, TensorDataset Validation) TrainValidation(TensorDataset dataset, double validationFraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!(validationFraction > 0 && validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "the validation fraction must be strictly between 0 and 1");
        }

        var validationCount = (int)Math.Round(dataset.Count * validationFraction, MidpointRounding.AwayFromZero);
        if (validationCount == 0 || validationCount == dataset.Count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(validationFraction),
                validationFraction,
                $"a validation fraction of {validationFraction} of {dataset.Count} samples leaves the {(validationCount == 0 ? "validation" : "training")} set empty");
        }

        long[] order;
        using (var generator = new Generator(seed))
        using (var scope = TensorScope.Begin())
        {
            order = Torch.Torch.Randperm(dataset.Count, generator).ToArray<long>();
        }

        var validation = order[..validationCount];
        var train = order[validationCount..];
        Array.Sort(validation);
        Array.Sort(train);
        var trainSet = dataset.Subset(train);
        try
        {
            return (trainSet, dataset.Subset(validation));
        }
        catch
        {
            trainSet.Dispose();
            throw;
        }
    }
}
