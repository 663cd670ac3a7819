namespace Bulwark.Attacks.Tests.Norms;

public sealed class NormParseTests
{
    [Theory]
    [InlineData("linf", "linf")]
    [InlineData("inf", "linf")]
    [InlineData("l-inf", "linf")]
    [InlineData(" LInf ", "linf")]
    [InlineData("l2", "l2")]
    [InlineData("2", "l2")]
    [InlineData("L2", "l2")]
    [InlineData("l1", "l1")]
    [InlineData("1", "l1")]
    [InlineData("l0", "l0")]
    [InlineData("0", "l0")]
    [InlineData("pixel-l0", "pixel-l0")]
    [InlineData("pixel_l0", "pixel-l0")]
    [InlineData("PixelL0", "pixel-l0")]
    public void Should_return_the_shared_norm_When_parsing_a_name_or_alias(string text, string name)
    {
        // When
        var norm = Norm.Parse(text);

        // Then
        norm.Name.ShouldBe(name);
        norm.ShouldBeSameAs(new[] { Norm.Linf, Norm.L2, Norm.L1, Norm.L0, Norm.PixelL0 }.Single(n => n.Name == name));
    }

    [Fact]
    public void Should_round_trip_every_norm_When_parsing_its_name()
    {
        foreach (var norm in new[] { Norm.Linf, Norm.L2, Norm.L1, Norm.L0, Norm.PixelL0 })
        {
            Norm.Parse(norm.Name).ShouldBeSameAs(norm);
            norm.ToString().ShouldBe(norm.Name);
        }
    }

    [Theory]
    [InlineData("l3")]
    [InlineData("")]
    [InlineData("euclidean")]
    public void Should_throw_ArgumentException_listing_the_known_names_When_the_name_is_unknown(string text)
    {
        // When
        var error = Should.Throw<ArgumentException>(() => Norm.Parse(text));

        // Then
        error.ParamName.ShouldBe("name");
        error.Message.ShouldContain("known: linf, l2, l1, l0, pixel-l0");
    }
}
