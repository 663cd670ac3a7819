using System.Text;

namespace Bulwark.Evaluation.Tests;

public sealed class CrcAndPngTests
{
    [Fact]
    public void Should_give_the_standard_check_value_When_hashing_the_digits_one_to_nine()
    {
        // Given: the check value every CRC-32/ISO-HDLC catalogue lists for "123456789"
        var digits = Encoding.ASCII.GetBytes("123456789");

        // When / Then
        Crc32.Compute(digits).ShouldBe(0xCBF43926u);
        PngDecoder.BitwiseCrc32(digits).ShouldBe(0xCBF43926u);
    }

    [Fact]
    public void Should_match_a_bitwise_crc_When_hashing_random_bytes_in_one_or_two_pieces()
    {
        // Given
        var random = new Random(11);
        var data = new byte[1000];
        random.NextBytes(data);

        // When
        var whole = Crc32.Compute(data);
        var pieces = Crc32.Append(Crc32.Compute(data.AsSpan(0, 337)), data.AsSpan(337));

        // Then
        whole.ShouldBe(PngDecoder.BitwiseCrc32(data));
        pieces.ShouldBe(whole);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 3, 1)]
    [InlineData(17, 9, 3)]
    [InlineData(28, 28, 1)]
    public void Should_decode_to_the_same_pixels_When_encoding_random_images(int width, int height, int channels)
    {
        // Given
        var random = new Random(width * 100 + height * 10 + channels);
        var pixels = new byte[width * height * channels];
        random.NextBytes(pixels);

        // When
        var png = PngImage.Encode(pixels, width, height, channels);
        var decoded = PngDecoder.Decode(png);

        // Then
        decoded.Chunks.ShouldBe(["IHDR", "IDAT", "IEND"]);
        (decoded.Width, decoded.Height, decoded.Channels).ShouldBe((width, height, channels));
        decoded.Pixels.ShouldBe(pixels);
    }

    [Fact]
    public void Should_throw_When_the_channels_or_the_pixel_count_are_wrong()
    {
        Should.Throw<ArgumentException>(() => PngImage.Encode(new byte[8], 2, 2, 2)).Message.ShouldContain("channels");
        Should.Throw<ArgumentException>(() => PngImage.Encode(new byte[5], 2, 2, 1)).Message.ShouldContain("needs 4 bytes");
        Should.Throw<ArgumentOutOfRangeException>(() => PngImage.Encode([], 0, 2, 1));
    }
}
