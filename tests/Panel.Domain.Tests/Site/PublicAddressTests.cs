using Panel.Domain.Common;
using Panel.Domain.Site;

namespace Panel.Domain.Tests.Site;

public sealed class PublicAddressTests
{
    [Theory]
    [InlineData("https://panel.example.org/", "https://panel.example.org")]
    [InlineData("  panel.example.org  ", "https://panel.example.org")]
    [InlineData("http://example.org:8080/panel/", "http://example.org:8080/panel")]
    public void An_address_is_kept_without_its_trailing_slash_and_a_bare_name_gets_https(string given, string kept) =>
        PublicAddress.Normalize(given).ShouldBe(kept);

    [Theory]
    [InlineData("not a web address!", "is not a web address")]
    [InlineData("ftp://example.org", "is not a web address")]
    [InlineData("https://example.org/?x=1", "no ?query")]
    [InlineData("https://me:pw@example.org", "no ?query")]
    public void Anything_else_is_refused_in_words(string given, string message) =>
        Should.Throw<DomainException>(() => PublicAddress.Normalize(given)).Message.ShouldContain(message);

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://[::1]:5080", true)]
    [InlineData("http://192.168.1.20", true)]
    [InlineData("http://10.0.0.5", true)]
    [InlineData("http://172.20.0.3", true)]
    [InlineData("http://homeserver", true)]
    [InlineData("http://nas.local", true)]
    [InlineData("https://panel.example.org", false)]
    [InlineData("http://203.0.113.7", false)]
    public void Loopback_private_and_dotless_addresses_only_work_nearby(string url, bool localOnly) =>
        PublicAddress.IsLocalOnly(url).ShouldBe(localOnly);

    [Fact]
    public void Setting_an_empty_address_clears_it()
    {
        var settings = SiteSettings.Default();
        settings.SetPublicUrl("https://panel.example.org/");
        settings.PublicUrl.ShouldBe("https://panel.example.org");
        settings.SetPublicUrl(" ");
        settings.PublicUrl.ShouldBeNull();
    }
}
