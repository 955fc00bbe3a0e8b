using Panel.Testing;
using System.Net;

namespace Panel.Web.Tests.Host;

public sealed class SetupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Owner(string name) => new()
    {
        ["Input.UserName"] = name,
        ["Input.Password"] = PanelWebFactory.OwnerPassword,
        ["Input.ConfirmPassword"] = PanelWebFactory.OwnerPassword,
    };

    [Fact]
    public async Task Before_setup_every_page_leads_to_the_setup_page()
    {
        using var factory = new PanelWebFactory();

        var response = await factory.CreateBrowserClient().GetAsync("/", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Location()!.ShouldBe("/setup");
    }

    [Fact]
    public async Task Setup_with_short_password_is_refused_and_creates_nothing()
    {
        using var factory = new PanelWebFactory();

        var response = await Forms.SubmitAsync(factory.CreateBrowserClient(), "/setup", "setup", new Dictionary<string, string>
        {
            ["Input.UserName"] = "owner",
            ["Input.Password"] = "short",
            ["Input.ConfirmPassword"] = "short",
        });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.BodyAsync()).ShouldContain("at least 12");
        (await factory.CountOwnersAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Setup_racing_requests_create_exactly_one_owner_and_then_the_setup_page_is_gone()
    {
        using var factory = new PanelWebFactory();
        // Each racer first loads the page (and its antiforgery token), then they all post at once.
        var racers = Enumerable.Range(0, 8).Select(i => (Client: factory.CreateBrowserClient(), Name: $"owner{i}")).ToList();
        var start = new TaskCompletionSource();
        var posts = racers.Select(async r =>
        {
            var page = await (await r.Client.GetAsync("/setup", Ct)).Content.ReadAsStringAsync(Ct);
            var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
            var form = Owner(r.Name);
            form["_handler"] = "setup";
            form["__RequestVerificationToken"] = WebUtility.HtmlDecode(token);
            await start.Task;
            return await r.Client.PostAsync("/setup", new FormUrlEncodedContent(form), Ct);
        }).ToList();
        start.SetResult();
        var responses = await Task.WhenAll(posts);

        (await factory.CountOwnersAsync()).ShouldBe(1);
        responses.Count(r => r.Location() == "/?welcome=1").ShouldBe(1);
        (await factory.CreateBrowserClient().GetAsync("/setup", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
