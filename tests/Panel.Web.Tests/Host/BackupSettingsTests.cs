using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Web.Features.Backups;

namespace Panel.Web.Tests.Host;

public sealed class BackupSettingsTests(PanelWebFactory factory) : IClassFixture<PanelWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_defaults_are_daily_at_four_keeping_seven_four_and_six_unencrypted()
    {
        var owner = await factory.EnsureOwnerAsync();
        var settings = await factory.CreateApiClient(await factory.CreateTokenAsync(owner.Id)).GetFromJsonAsync<JsonElement>("/api/v1/backups/settings", Ct);

        settings.GetProperty("schedule").GetString().ShouldBe("0 4 * * *");
        settings.GetProperty("scheduleEnabled").GetBoolean().ShouldBeTrue();
        (settings.GetProperty("keepDaily").GetInt32(), settings.GetProperty("keepWeekly").GetInt32(), settings.GetProperty("keepMonthly").GetInt32()).ShouldBe((7, 4, 6));
        settings.GetProperty("encrypted").GetBoolean().ShouldBeFalse();
        settings.GetProperty("nextRun").GetDateTimeOffset().ToLocalTime().Hour.ShouldBe(4);
    }

    [Theory]
    [InlineData("{\"schedule\": \"every day at four\"}", "cron")]
    [InlineData("{\"schedule\": \"0 25 * * *\"}", "cron")]
    [InlineData("{\"passphrase\": \"short\"}", "12 characters")]
    [InlineData("{\"keepDaily\": 0, \"keepWeekly\": 0, \"keepMonthly\": 0}", "at least one")]
    [InlineData("{\"keepDaily\": -3}", "Keep between")]
    public async Task Bad_settings_are_refused_with_a_clear_message_and_change_nothing(string body, string expected)
    {
        var owner = await factory.EnsureOwnerAsync();
        var api = factory.CreateApiClient(await factory.CreateTokenAsync(owner.Id));
        var before = await api.GetStringAsync("/api/v1/backups/settings", Ct);

        var response = await api.PutAsync("/api/v1/backups/settings", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain(expected);
        (await api.GetStringAsync("/api/v1/backups/settings", Ct)).ShouldBe(before);
    }

    [Fact]
    public async Task Without_a_homeserver_there_is_nothing_to_back_up()
    {
        var owner = await factory.EnsureOwnerAsync();
        var response = await factory.CreateApiClient(await factory.CreateTokenAsync(owner.Id)).PostAsync("/api/v1/backups", null, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("nothing to back up");
    }

    [Theory]
    [InlineData("0 4 * * *", 4, 0)]
    [InlineData("30 2 * * 0", 2, 30)]
    public void The_next_run_follows_the_cron_expression(string cron, int hour, int minute)
    {
        var next = BackupsService.NextRun(cron, new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero))!.Value.ToLocalTime();

        (next.Hour, next.Minute).ShouldBe((hour, minute));
        BackupsService.NextRun("not cron", DateTimeOffset.UtcNow).ShouldBeNull();
    }
}
