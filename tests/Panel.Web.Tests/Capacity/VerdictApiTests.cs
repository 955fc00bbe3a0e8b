using System.Net;
using System.Net.Http.Json;
using Panel.Domain.Capacity;
using Panel.Web.Features.Capacity;
using Panel.Web.Tests.Homeserver;

namespace Panel.Web.Tests.Capacity;

/// <summary>
/// The verdict and the forecast API on the FAKE engine: what a new server without costs or
/// history is told, and the bad input that gets a clear answer. (With real figures on the real
/// Synapse: ForecastCheckTests and the page test.)
/// </summary>
public sealed class VerdictApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_server_without_costs_or_history_is_told_what_to_enter_and_how_long_to_wait_never_a_zero()
    {
        using var factory = new FakeEnginePanelFactory();
        var api = await factory.InstallAsync("verdict.example.test", "sqlite");

        var report = await api.GetAsync<CapacityReport>("/api/v1/verdict");

        report.Verdict.Keep.ShouldBeTrue();
        report.Verdict.Reasons.ShouldContain(r => r.Kind == ReasonKind.Warning && r.Link == "/donations" && r.Text.Contains("running costs are not entered"));
        report.Verdict.Reasons.ShouldContain(r => r.Text.Contains("once the panel has watched Synapse"));
        report.Costs.Monthly.ShouldBeNull();
        report.Costs.PerActiveUser.ShouldBeNull();
        report.Funding.ShouldBeNull();
        report.Friend.ShouldBeNull("no snapshot has active users yet");
        report.Model.LeansOnPrior.ShouldBeTrue();
        report.Figures.ShouldContain(f => f.Label == "Monthly running costs" && f.Value == "not entered");
    }

    [Fact]
    public async Task A_forecast_without_history_leans_on_published_figures_and_says_so()
    {
        using var factory = new FakeEnginePanelFactory();
        var api = await factory.InstallAsync("prior.example.test", "sqlite");

        var answer = await api.PostAsync<ForecastAnswer>("/api/v1/forecast", new ForecastRequest(RoomsOfSize: [new RoomOfSize(10_000, 10_684)]), HttpStatusCode.OK);

        (answer.TotalBytes / 1048576.0).ShouldBeInRange(800, 1300, "the Synapse docs' figure for #matrix:matrix.org: about 1 GB");
        answer.Warnings.ShouldContain(w => w.Contains("leans on published figures"));
        answer.Items.ShouldHaveSingleItem().What.ShouldBe("joining a room of 10,000 members");
    }

    [Theory]
    [InlineData("""{"joinRooms": ["#nowhere:example.test"]}""", HttpStatusCode.NotFound, "No room #nowhere:example.test")]
    [InlineData("""{"joinRooms": ["not a room"]}""", HttpStatusCode.NotFound, "No room not a room")]
    [InlineData("""{"addUsers": -3}""", HttpStatusCode.BadRequest, "addUsers must be between 0 and 100000")]
    [InlineData("""{}""", HttpStatusCode.BadRequest, "Ask about something")]
    [InlineData("""{"roomsOfSize": [{"members": 0}]}""", HttpStatusCode.BadRequest, "at least one member")]
    [InlineData("""{"addUsers": "many"}""", HttpStatusCode.BadRequest, "")]
    public async Task Bad_forecast_questions_get_a_clear_answer(string body, HttpStatusCode status, string says)
    {
        using var factory = new FakeEnginePanelFactory();
        var api = await factory.InstallAsync("bad.example.test", "sqlite");

        var response = await api.Http.PostAsync("/api/v1/forecast", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        response.StatusCode.ShouldBe(status);
        var text = await response.Content.ReadAsStringAsync(Ct);
        text.ShouldContain(says);
        text.ShouldNotContain("   at ", customMessage: "no stack trace reaches the caller");
    }

    [Fact]
    public async Task The_verdict_needs_a_signed_in_admin()
    {
        using var factory = new FakeEnginePanelFactory();
        (await factory.CreateApiClient().GetAsync("/api/v1/verdict", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await factory.CreateApiClient().PostAsJsonAsync("/api/v1/forecast", new ForecastRequest(AddUsers: 1), Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
