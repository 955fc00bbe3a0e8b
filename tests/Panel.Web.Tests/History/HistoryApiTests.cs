using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Panel.Testing;
using Panel.Testing.Slack;
using Panel.Web.Features.History;
using Panel.Web.Tests.Homeserver;

namespace Panel.Web.Tests.History;

/// <summary>
/// The History API's answers to bad input, on the FAKE engine (the import itself, archives and the
/// page run on the real Synapse: SlackImportTests, RoomArchiveTests, HistoryPageTests).
/// </summary>
public sealed class HistoryApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_empty_upload_an_unknown_channel_and_an_unknown_upload_get_clear_answers_and_nothing_is_kept()
    {
        using var factory = new FakeEnginePanelFactory();
        var api = await factory.InstallAsync("history.example.test", "sqlite");

        var empty = await api.Http.PostAsync("/api/v1/history/slack?fileName=x.zip", new ByteArrayContent([]), Ct);
        empty.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await empty.Content.ReadAsStringAsync(Ct)).ShouldContain("empty");

        var path = SlackExportGenerator.Write(Path.Combine(TestEnvironment.NewTempDirectory("slack"), "Acme Slack export.zip"), SlackExportGenerator.Shape.Small).Path;
        using var body = new StreamContent(File.OpenRead(path));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        var created = await api.Http.PostAsync("/api/v1/history/slack?fileName=Acme%20Slack%20export.zip", body, Ct);
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var upload = (await created.Content.ReadFromJsonAsync<SlackImportView>(PanelApi.Json, Ct))!;
        upload.Workspace.ShouldBe("Acme");

        var unknown = await api.Http.PostAsJsonAsync($"/api/v1/history/slack/{upload.Id}/import", new SlackImportRequest(null, [new SlackChannelChoice("C404")]), Ct);
        unknown.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await unknown.Content.ReadAsStringAsync(Ct)).ShouldContain("no channel C404");
        (await api.Http.GetAsync($"/api/v1/history/slack/{Guid.NewGuid()}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.GetAsync<List<SlackImportView>>("/api/v1/history/slack")).Single().Status.ShouldBe("uploaded");

        (await api.Http.DeleteAsync($"/api/v1/history/slack/{upload.Id}", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await api.GetAsync<List<SlackImportView>>("/api/v1/history/slack")).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_upload_form_and_the_archives_refuse_anyone_signed_out()
    {
        using var factory = new FakeEnginePanelFactory();
        await factory.InstallAsync("history.example.test", "sqlite");

        using var anonymous = factory.CreateClient(new() { AllowAutoRedirect = false });
        var signedOut = await anonymous.PostAsync("/history/upload", new ByteArrayContent([1, 2, 3]), Ct);
        (signedOut.StatusCode == HttpStatusCode.Unauthorized || signedOut.Headers.Location?.ToString().Contains("login", StringComparison.OrdinalIgnoreCase) == true)
            .ShouldBeTrue($"{signedOut.StatusCode} {signedOut.Headers.Location}");
        (await anonymous.GetAsync("/history/archives/room-20261206-120000.zip", Ct)).StatusCode.ShouldNotBe(HttpStatusCode.OK);
        (await anonymous.GetAsync("/api/v1/history/archives", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
