using Panel.Testing;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Panel.Infrastructure.Persistence;
using Panel.Web.Tests.Donations;

namespace Panel.Web.Tests.Host;

/// <summary>
/// Hostile and broken input against every public endpoint and form: overlong strings, odd Unicode,
/// HTML and SQL injection, path traversal, broken JSON, huge bodies, wrong content types. Whatever
/// comes in, the panel answers with a clear 4xx (problem details for the API), never a 5xx or a
/// stack trace, and writes nothing.
/// </summary>
public sealed class BadInputCorpusTests(CheckoutFactory panel) : IClassFixture<CheckoutFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static readonly string[] Strings =
    [
        "",
        " ",
        new string('a', 100_000),
        "\u202Eevil\u202C", // right-to-left override
        "zero\u200Bwidth\uFEFF",
        "emoji 🦄👩🏽‍🚀",
        "nul\u0000byte",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "'; DROP TABLE users; --",
        "1 OR 1=1",
        "../../../../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "C:\\Windows\\system32",
        "{{7*7}}${7*7}",
        "\r\nSet-Cookie: x=y",
        "-1",
        "99999999999999999999999",
        "NaN",
    ];

    [Fact]
    public async Task Public_api_endpoints_answer_4xx_problem_details_and_write_nothing()
    {
        var before = await CountsAsync();
        var client = panel.CreateApiClient();
        var failures = new List<string>();
        foreach (var value in Strings)
        {
            // In a path, NUL never reaches the panel: the server refuses the request line itself.
            var segment = Uri.EscapeDataString((value.Length > 200 ? value[..200] : value).Replace("\u0000", "", StringComparison.Ordinal));
            foreach (var (path, body) in new (string, object)[]
            {
                ($"/api/v1/invites/{segment}x/redeem", new { username = value, password = value }),
                ("/api/v1/invites/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/redeem", new { username = value, password = value }),
                ("/api/v1/donations/checkout", new { amountMinor = 500, currency = value, recurring = false, displayName = value, message = value }),
                ("/api/v1/donations/checkout", new { amountMinor = value, currency = "eur" }),
            })
            {
                var response = await client.PostAsync(path, new StringContent(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"), Ct);
                await Check(response, $"POST {path[..Math.Min(path.Length, 60)]} with {Describe(value)}", failures);
            }

            var get = await client.GetAsync($"/api/v1/invites/{segment}x", Ct);
            await Check(get, $"GET invite {Describe(value)}", failures);
        }

        foreach (var path in new[] { "/api/v1/invites/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/redeem", "/api/v1/donations/checkout" })
        {
            foreach (var (what, content) in Broken())
            {
                await Check(await client.PostAsync(path, content(), Ct), $"POST {path} with {what}", failures);
            }
        }

        failures.ShouldBeEmpty();
        (await CountsAsync()).ShouldBe(before, "nothing may be written");
    }

    [Fact]
    public async Task The_stripe_webhook_refuses_anything_unsigned_or_broken_without_a_5xx()
    {
        var before = await CountsAsync();
        var client = panel.CreateApiClient();
        var failures = new List<string>();
        foreach (var (what, content) in Broken())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = content() };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", "t=1,v1=" + new string('0', 64));
            var response = await client.SendAsync(request, Ct);
            await Check(response, $"webhook with {what}", failures, requireProblem: false);
        }

        foreach (var value in Strings)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = new StringContent("{\"id\":\"evt_1\",\"type\":\"checkout.session.completed\"}", Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", value.Replace("\r\n", "", StringComparison.Ordinal).Replace("\u0000", "", StringComparison.Ordinal));
            await Check(await client.SendAsync(request, Ct), $"webhook signature {Describe(value)}", failures, requireProblem: false);
        }

        failures.ShouldBeEmpty();
        (await CountsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Public_forms_answer_without_a_5xx_or_a_stack_trace_whatever_is_posted()
    {
        await panel.EnsureOwnerAsync();
        var before = await CountsAsync();
        var failures = new List<string>();
        var forms = new (string Path, string Name, Func<string, Dictionary<string, string>> Fields)[]
        {
            ("/account/login", "login", v => new() { ["Input.UserName"] = v, ["Input.Password"] = v }),
            ("/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "redeem", v => new() { ["Input.Username"] = v, ["Input.Password"] = v, ["Input.ConfirmPassword"] = v, ["Input.Action"] = v }),
            ("/donate", "donate", v => new() { ["Input.Choice"] = v, ["Input.Custom"] = v, ["Input.Frequency"] = v, ["Input.Name"] = v, ["Input.Message"] = v, ["Input.Nonce"] = v }),
        };
        foreach (var (path, name, fields) in forms)
        {
            foreach (var value in Strings.Where(v => v.Length < 10_000).Append(new string('x', 5000)))
            {
                var browser = panel.CreateBrowserClient();
                var page = await browser.GetAsync(path, Ct);
                var html = await page.Content.ReadAsStringAsync(Ct);
                HttpResponseMessage response = html.Contains("__RequestVerificationToken", StringComparison.Ordinal)
                    ? await Forms.SubmitAsync(browser, path, name, fields(value))
                    : await browser.PostAsync(path, new FormUrlEncodedContent(fields(value)), Ct);
                var body = await response.Content.ReadAsStringAsync(Ct);
                if ((int)response.StatusCode >= 500 || body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal))
                {
                    failures.Add($"{path} with {Describe(value)}: {(int)response.StatusCode}");
                }

                if (body.Contains("<script>alert(1)</script>", StringComparison.Ordinal) || body.Contains("<img src=x onerror", StringComparison.Ordinal))
                {
                    failures.Add($"{path} echoed markup unescaped");
                }
            }

            // Without the antiforgery token, a post is refused.
            var forged = await panel.CreateBrowserClient().PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>(fields("x")) { ["_handler"] = name }), Ct);
            ((int)forged.StatusCode).ShouldBeInRange(400, 499, $"{path} without an antiforgery token");
        }

        failures.ShouldBeEmpty();
        (await CountsAsync()).ShouldBe(before);
    }

    private static IEnumerable<(string What, Func<HttpContent> Content)> Broken() =>
    [
        ("broken JSON", () => new StringContent("{\"username\": ", Encoding.UTF8, "application/json")),
        ("a JSON array", () => new StringContent("[1,2,3]", Encoding.UTF8, "application/json")),
        ("JSON null", () => new StringContent("null", Encoding.UTF8, "application/json")),
        ("deeply nested JSON", () => new StringContent(new string('[', 5000) + new string(']', 5000), Encoding.UTF8, "application/json")),
        ("text/plain", () => new StringContent("username=a", Encoding.UTF8, "text/plain")),
        ("XML", () => new StringContent("<a><b/></a>", Encoding.UTF8, "application/xml")),
        ("a form", () => new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "a" })),
        ("invalid UTF-8", () => new ByteArrayContent([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) { Headers = { ContentType = new("application/json") } }),
        ("a 3 MB body", () => new StringContent("{\"username\":\"" + new string('a', 3 << 20) + "\"}", Encoding.UTF8, "application/json")),
        ("an empty body", () => new StringContent("", Encoding.UTF8, "application/json")),
    ];

    private static async Task Check(HttpResponseMessage response, string what, List<string> failures, bool requireProblem = true)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            failures.Add($"{what}: {status}");
        }
        else if (status < 400 && status != 404)
        {
            failures.Add($"{what}: accepted with {status}");
        }
        else if (requireProblem && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            failures.Add($"{what}: {status} without problem details ({response.Content.Headers.ContentType})");
        }
        else if (body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal))
        {
            failures.Add($"{what}: the answer shows internals");
        }
    }

    private static string Describe(string value) => value.Length > 30 ? $"{value.Length} characters" : $"'{value}'";

    private async Task<(int Users, int Invites, int Redemptions, int Ledger, int Pledges, int Bridges, int Backups)> CountsAsync()
    {
        await using var db = await panel.Services.GetRequiredService<IDbContextFactory<PanelDbContext>>().CreateDbContextAsync(Ct);
        return (await db.Users.CountAsync(Ct), await db.Invites.CountAsync(Ct), await db.InviteRedemptions.CountAsync(Ct), await db.LedgerEntries.CountAsync(Ct),
            await db.Pledges.CountAsync(Ct), await db.Bridges.CountAsync(Ct), await db.Backups.CountAsync(Ct));
    }
}
