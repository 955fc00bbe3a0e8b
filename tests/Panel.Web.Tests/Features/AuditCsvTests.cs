using Panel.Web.Features.Audit;

namespace Panel.Web.Tests.Features;

public sealed class AuditCsvTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    public void CSV_quotes_what_needs_it_and_defuses_formulas(string? value, string expected) =>
        AuditLog.Csv(value).ShouldBe(expected);
}
