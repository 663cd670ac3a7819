using Bulwark.Torch;

namespace Bulwark.Data.Tests;

public sealed class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_read_ubyte_values_and_shape_When_file_is_raw_or_gzipped(bool gzip)
    {
        // Given a 2×3×2 ubyte file, gzipped or not, under a name that does not say which
        using var folder = new TempFolder();
        byte[] data = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
        var bytes = Formats.IdxBytes([2, 3, 2], data);
        var path = folder.Write("images.idx", gzip ? Formats.Gzip(bytes) : bytes);

        // When it is read
        using var scope = TensorScope.Begin();
        var tensor = IdxReader.Read(path);

        // Then the tensor has the file's shape, element type and values
        tensor.DType.ShouldBe(DType.UInt8);
        tensor.Shape.ShouldBe([2L, 3L, 2L]);
        tensor.ToArray<byte>().ShouldBe(data);
        IdxReader.ReadHeader(path).ShouldBe(new IdxHeader(IdxElementType.UnsignedByte, [2L, 3L, 2L], gzip));
    }

    [Fact]
    public void Should_convert_big_endian_elements_When_file_holds_wider_types()
    {
        // Given files of each wider IDX type
        using var folder = new TempFolder();
        int[] ints = [1, -2, 70000, int.MinValue];
        short[] shorts = [1, -2, 300, short.MinValue];
        float[] floats = [0.5f, -1.25f, 3e7f, float.Epsilon];
        double[] doubles = [0.1, -2.5, 1e300, double.MinValue];
        var signed = Formats.Idx(0x09, [4], [0x01, 0xFF, 0x7F, 0x80]);

        using var scope = TensorScope.Begin();

        // When they are read, Then values survive the byte-order change
        var int32 = IdxReader.Read(folder.Write("i.idx", Formats.IdxInt32([2, 2], ints)));
        int32.DType.ShouldBe(DType.Int32);
        int32.Shape.ShouldBe([2L, 2L]);
        int32.ToArray<int>().ShouldBe(ints);

        IdxReader.Read(folder.Write("s.idx", Formats.IdxInt16([4], shorts))).ToArray<int>().ShouldBe([1, -2, 300, short.MinValue]);
        IdxReader.Read(folder.Write("f.idx", Formats.IdxFloat32([4], floats))).ToArray<float>().ShouldBe(floats);
        IdxReader.Read(folder.Write("d.idx", Formats.Gzip(Formats.IdxFloat64([1, 4], doubles)))).ToArray<double>().ShouldBe(doubles);
        IdxReader.Read(folder.Write("b.idx", signed)).ToArray<int>().ShouldBe([1, -1, 127, -128]);
    }

    [Fact]
    public void Should_throw_naming_the_file_When_data_is_truncated()
    {
        // Given a header that declares 2×3 bytes followed by only 4
        using var folder = new TempFolder();
        var path = folder.Write("short-idx1-ubyte", Formats.IdxBytes([2, 3], [1, 2, 3, 4]));

        // When it is read, Then the error names the file and says it is truncated
        var error = Should.Throw<InvalidDataException>(() => IdxReader.Read(path));
        error.Message.ShouldContain(path);
        error.Message.ShouldContain("truncated");
        error.Message.ShouldContain("[2, 3]");
    }

    [Fact]
    public void Should_throw_naming_the_file_When_gzipped_data_is_truncated()
    {
        using var folder = new TempFolder();
        var path = folder.Write("short.gz", Formats.Gzip(Formats.IdxBytes([10, 10], new byte[60])));

        var error = Should.Throw<InvalidDataException>(() => IdxReader.Read(path));

        error.Message.ShouldContain(path);
        error.Message.ShouldContain("truncated");
    }

    [Fact]
    public void Should_throw_naming_the_file_When_gzip_stream_is_cut_off()
    {
        // Given a gzip file missing its second half
        using var folder = new TempFolder();
        var random = new Random(1);
        var data = new byte[20000];
        random.NextBytes(data);
        var compressed = Formats.Gzip(Formats.IdxBytes([20000], data));
        var path = folder.Write("cut.gz", compressed[..(compressed.Length / 2)]);

        // Then reading fails with the file's name (as a truncation or a corrupt stream, whichever the decoder sees)
        var error = Should.Throw<InvalidDataException>(() => IdxReader.Read(path));
        error.Message.ShouldContain(path);
    }

    [Fact]
    public void Should_throw_naming_the_file_When_dimensions_do_not_match_the_data()
    {
        // Given a header declaring 2×2 bytes followed by 6
        using var folder = new TempFolder();
        var path = folder.Write("long.idx", Formats.IdxBytes([2, 2], [1, 2, 3, 4, 5, 6]));

        var error = Should.Throw<InvalidDataException>(() => IdxReader.Read(path));

        error.Message.ShouldContain(path);
        error.Message.ShouldContain("do not match");
        error.Message.ShouldContain("2 more bytes");
    }

    [Fact]
    public void Should_throw_naming_the_file_When_magic_number_is_wrong()
    {
        using var folder = new TempFolder();
        var path = folder.Write("archive.zip", [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0]);

        var error = Should.Throw<InvalidDataException>(() => IdxReader.Read(path));

        error.Message.ShouldContain(path);
        error.Message.ShouldContain("not an IDX file");
        error.Message.ShouldContain("50 4B 03 04");
    }

    [Fact]
    public void Should_throw_naming_the_file_When_element_type_is_unknown()
    {
        using var folder = new TempFolder();
        var path = folder.Write("odd.idx", Formats.Idx(0x0A, [1], [7]));

        var error = Should.Throw<InvalidDataException>(() => IdxReader.Read(path));

        error.Message.ShouldContain(path);
        error.Message.ShouldContain("0x0A");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    public void Should_throw_naming_the_file_When_header_is_cut_short(int length)
    {
        // Given the first bytes of a valid header only
        using var folder = new TempFolder();
        var path = folder.Write("stub.idx", Formats.IdxBytes([5, 5], new byte[25])[..length]);

        var error = Should.Throw<InvalidDataException>(() => IdxReader.Read(path));

        error.Message.ShouldContain(path);
        error.Message.ShouldContain(length == 0 ? "empty" : "truncated");
    }

    [Fact]
    public void Should_throw_naming_the_file_When_gzipped_header_declares_impossible_size()
    {
        // Given a tiny gzip file whose header claims two billion bytes
        using var folder = new TempFolder();
        var path = folder.Write("huge.gz", Formats.Gzip(Formats.IdxBytes([50000, 40000], [1, 2, 3])));

        var error = Should.Throw<InvalidDataException>(() => IdxReader.Read(path));

        error.Message.ShouldContain(path);
        error.Message.ShouldContain("corrupt");
    }

    [Fact]
    public void Should_throw_FileNotFoundException_naming_the_file_When_file_is_missing()
    {
        using var folder = new TempFolder();
        var path = folder.File("absent-idx3-ubyte");

        var error = Should.Throw<FileNotFoundException>(() => IdxReader.Read(path));

        error.Message.ShouldContain(path);
        error.FileName.ShouldBe(path);
    }
}
