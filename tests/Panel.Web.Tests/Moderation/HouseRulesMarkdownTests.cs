using Panel.Web.Features.Moderation;

namespace Panel.Web.Tests.Moderation;

public sealed class HouseRulesMarkdownTests
{
    [Fact]
    public void Rules_in_markdown_become_html_without_raw_html_or_script_links()
    {
        var html = HouseRulesService.ToHtml("# Rules\n\n1. **Be kind**\n2. See [the FAQ](https://example.org/faq) or mail <owner@example.org>\n\n<img src=x onerror=alert(1)> [x](javascript:alert(1)) [y](data:text/html,hi)");

        html.ShouldContain("<h1>Rules</h1>");
        html.ShouldContain("<strong>Be kind</strong>");
        html.ShouldContain("href=\"https://example.org/faq\"");
        html.ShouldContain("href=\"mailto:owner@example.org\"");
        html.ShouldNotContain("<img");
        html.ShouldContain("&lt;img");
        html.ShouldNotContain("javascript:");
        html.ShouldNotContain("data:text");
    }
}
