using Panel.Domain.Moderation;

namespace Panel.Domain.Tests.Moderation;

public sealed class MediaAddressTests
{
    [Theory]
    [InlineData("mxc://example.org/abc123", "example.org", "abc123")]
    [InlineData("mxc://matrix.example.test:8448/XyZ", "matrix.example.test:8448", "XyZ")]
    public void An_mxc_address_reads_as_its_server_and_media_id_and_writes_back_the_same(string text, string origin, string id)
    {
        MediaAddress.TryParse(text, out var media).ShouldBeTrue();
        media.ShouldBe(new MediaAddress(origin, id));
        media.ToString().ShouldBe(text);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://example.org/abc")]
    [InlineData("mxc://example.org")]
    [InlineData("mxc://example.org/")]
    [InlineData("mxc:///abc")]
    [InlineData("mxc://example.org/a/b")]
    public void Anything_else_is_not_a_media_address(string? text) =>
        MediaAddress.TryParse(text, out _).ShouldBeFalse();
}
