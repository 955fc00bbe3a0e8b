using Panel.Domain.History;

namespace Panel.Domain.Tests.History;

public sealed class SlackMarkupTests
{
    private static readonly SlackPerson Ada = new("U01ADA", "ada", "Ada Lovelace", "Ada", "ada@example.test", false, false, null);

    private static MatrixText Convert(string text) => SlackMarkup.ToMatrix(text, id => id == "U01ADA" ? Ada : null, "example.test");

    [Fact]
    public void Plain_text_stays_plain_with_no_html() =>
        Convert("just words, nothing else").ShouldBe(new MatrixText("just words, nothing else", null));

    [Fact]
    public void A_mention_links_to_the_ghost_by_the_name_people_knew()
    {
        var text = Convert("hi <@U01ADA>, see <@U09GONE|old name>");

        text.Body.ShouldBe("hi Ada, see old name");
        text.Html.ShouldBe("hi <a href=\"https://matrix.to/#/@slack_u01ada:example.test\">Ada</a>, see <a href=\"https://matrix.to/#/@slack_u09gone:example.test\">old name</a>");
    }

    [Fact]
    public void Links_channels_and_broadcasts_keep_their_text()
    {
        var text = Convert("read <https://example.org/a?b=1&amp;c=2|the docs> in <#C02|general>, <!here> and <mailto:x@example.org|x@example.org>");

        text.Body.ShouldBe("read the docs (https://example.org/a?b=1&c=2) in #general, @here and x@example.org (mailto:x@example.org)");
        text.Html.ShouldBe("read <a href=\"https://example.org/a?b=1&amp;c=2\">the docs</a> in #general, @here and <a href=\"mailto:x@example.org\">x@example.org</a>");
    }

    [Fact]
    public void Emphasis_code_and_quotes_become_html_and_escapes_are_undone_in_the_body()
    {
        var text = Convert("*bold* _it_ ~gone~ `a < b` &amp; 2*3*4\n&gt; quoted");

        text.Body.ShouldBe("*bold* _it_ ~gone~ `a < b` & 2*3*4\n> quoted");
        text.Html.ShouldBe("<strong>bold</strong> <em>it</em> <del>gone</del> <code>a &lt; b</code> &amp; 2*3*4<br/><blockquote>quoted</blockquote>");
    }

    [Fact]
    public void A_code_block_is_kept_as_it_is()
    {
        var text = Convert("look:\n```\nif (a &lt; b) { *x* }\n```");

        text.Html.ShouldBe("look:<br/><pre><code>\nif (a &lt; b) { *x* }\n</code></pre>");
        text.Body.ShouldBe("look:\n\nif (a < b) { *x* }\n");
    }

    [Fact]
    public void Html_in_the_text_is_never_passed_through()
    {
        var text = Convert("*<script>alert(1)</script>* <javascript:alert(1)|click>");

        text.Html!.ShouldNotContain("<script");
        text.Html!.ShouldNotContain("href=\"javascript");
    }

    [Theory]
    [InlineData("1355517523.000005", 1355517523000)]
    [InlineData("1700000000.123456", 1700000000123)]
    public void Slack_times_are_milliseconds_since_1970(string ts, long ms) => SlackNames.TimeOf(ts).ToUnixTimeMilliseconds().ShouldBe(ms);
}
