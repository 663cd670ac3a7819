namespace Bulwark.Data;

/// <summary>What the header of an IDX file declares.</summary>
/// <param name="ElementType">The element type (third byte of the magic number).</param>
/// <param name="Shape">The dimensions, outermost first.</param>
/// <param name="IsCompressed">Whether the file is gzip-compressed.</param>
public sealed record IdxHeader(IdxElementType ElementType, IReadOnlyList<long> Shape, bool IsCompressed)
{
    /// <summary>Number of elements the header declares (the product of <see cref="Shape"/>).</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, size) => product * size);

    public bool Equals(IdxHeader? other) =>
        other is not null && ElementType == other.ElementType && IsCompressed == other.IsCompressed && Shape.SequenceEqual(other.Shape);

    public override int GetHashCode() => HashCode.Combine(ElementType, IsCompressed, Shape.Count, ElementCount);

    public override string ToString() =>
        $"IDX {IdxReader.Describe(ElementType)} [{string.Join(", ", Shape)}]{(IsCompressed ? " (gzip)" : string.Empty)}";
}
