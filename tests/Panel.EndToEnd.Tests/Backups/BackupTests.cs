using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Invites;
using Panel.EndToEnd.Tests.Pages;
using Panel.Testing;
using Panel.Web.Features.Backups;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.Backups;

/// <summary>A panel with a Synapse on PostgreSQL and the echo bridge, shared by the backup tests.</summary>
public sealed class BackupHomeserverFixture() : InstalledHomeserverFixture(null, "backup.example.test")
{
    public string DataDirectory => Process.DataDirectory;

    public string BackupDirectory => Path.Combine(Process.DataDirectory, "backups");

    public override async ValueTask InitializeAsync()
    {
        await StartAsync();
        await InstallAsync(ServerName, "postgres");
        await WaitUntilHealthyAsync();
    }
}

/// <summary>
/// Backups and restores against the real Synapse with PostgreSQL and the real engine: the restore
/// drill of the issue, a damaged backup refused before anything is touched, and a restore onto a
/// fresh panel (another machine).
/// </summary>
public sealed class BackupTests(BackupHomeserverFixture hs, BrowserFixture browser) : IClassFixture<BackupHomeserverFixture>, IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_backup_restores_users_messages_media_and_bridges_after_the_homeserver_and_its_data_are_deleted()
    {
        // 1. Users, a conversation, a file, and a bridge.
        var (room, mediaUri) = await BackupSteps.MakeDataAsync(hs, "drill");
        var bridge = await BackupSteps.InstallEchoAsync(hs);

        // 2. Back up. The bridge is frozen while its volume is copied, and thawed after.
        var since = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var backup = await BackupSteps.BackUpAsync(hs);
        var events = await DockerTestHelper.CliAsync("events", "--since", since, "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--filter", $"container={hs.Instance}-bridge-echo", "--format", "{{.Action}}");
        events.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(a => a is "pause" or "unpause").ShouldBe(["pause", "unpause"]);
        ((await DockerTestHelper.InspectAsync($"{hs.Instance}-bridge-echo"))?.State?.Status).ShouldBe("running");
        backup.SizeBytes.ShouldBeGreaterThan(10_000);
        backup.Contents!.ShouldContain("media");
        var set = Path.Combine(hs.BackupDirectory, backup.Directory);
        File.Exists(Path.Combine(set, "manifest.json")).ShouldBeTrue();
        File.Exists(Path.Combine(set, "homeserver", "database.dump")).ShouldBeTrue();
        File.Exists(Path.Combine(set, "bridges", "echo.tar")).ShouldBeTrue();

        // 3. Uninstall, deleting the data.
        var uninstall = await hs.Api.Http.DeleteAsync($"/api/v1/homeserver?deleteData=true&confirmServerName={hs.ServerName}", Ct);
        uninstall.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await hs.WaitForOperationAsync("uninstall");
        (await hs.GetHomeserverAsync()).Installed.ShouldBeFalse();
        (await DockerTestHelper.VolumeExistsAsync($"{hs.Instance}-synapse-data")).ShouldBeFalse();

        // 4. Restore.
        await BackupSteps.RestoreAsync(hs, backup);

        // 5. Every user logs in and the messages are there; so are the file and the bridge.
        await BackupSteps.CheckDataAsync(hs, "drill", room, mediaUri);
        var bridgeView = await BackupSteps.WaitForBridgeRunningAsync(hs, bridge);
        bridgeView.Status.ShouldBe("running");

        (await hs.Api.AuditAsync("action=backup.restored")).ShouldContain(e => e.Action == "backup.restored" && e.Outcome == "Success");
    }

    [Fact]
    public async Task A_damaged_backup_is_refused_before_any_data_is_touched()
    {
        var (room, mediaUri) = await BackupSteps.MakeDataAsync(hs, "damage");
        var backup = await BackupSteps.BackUpAsync(hs);

        // A copy of the set, with one byte of the media archive changed, appears in the list.
        var original = Path.Combine(hs.BackupDirectory, backup.Directory);
        var copy = Path.Combine(hs.BackupDirectory, "damaged-copy");
        BackupSteps.CopyDirectory(original, copy);
        var media = Path.Combine(copy, "homeserver", "media.tar");
        var bytes = await File.ReadAllBytesAsync(media, Ct);
        bytes[bytes.Length / 2] ^= 0xff;
        await File.WriteAllBytesAsync(media, bytes, Ct);
        var damaged = (await hs.Api.BackupsAsync()).Single(b => b.Directory == "damaged-copy");
        damaged.Trigger.ShouldBe("imported");

        var before = (await hs.GetHomeserverAsync()).Status.ContainerId;
        var verify = await hs.Api.Http.PostAsJsonAsync($"/api/v1/backups/{damaged.Id}/verify", new { }, Ct);
        verify.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await verify.Content.ReadAsStringAsync(Ct)).ShouldContain("media.tar does not match its checksum");

        await hs.Api.RestoreAsync(damaged.Id, new RestoreRequest { ConfirmServerName = hs.ServerName });
        var view = await hs.WaitForOperationAsync("restore");
        var operation = view.Operation!;
        operation.Succeeded.ShouldBeFalse();
        operation.Error!.ShouldContain("damaged");
        operation.Steps.Single(s => s.Key == "prepare").Status.ShouldBe(StepStatus.Pending);

        // Nothing was touched: the same Synapse container runs on the same data.
        var after = await hs.WaitUntilHealthyAsync();
        after.Status.ContainerId.ShouldBe(before);
        await BackupSteps.CheckDataAsync(hs, "damage", room, mediaUri);
    }

    [Fact]
    public async Task A_backup_restores_onto_a_fresh_panel_on_another_machine()
    {
        var (room, mediaUri) = await BackupSteps.MakeDataAsync(hs, "moved");
        var backup = await BackupSteps.BackUpAsync(hs);
        var set = Path.Combine(hs.BackupDirectory, backup.Directory);

        // Another panel: its own data directory (its own encryption keys), its own Docker names.
        await using var fresh = new HomeserverPanel();
        BackupSteps.CopyDirectory(set, Path.Combine(fresh.Process.DataDirectory, "backups", "from-the-old-machine"));
        await fresh.StartAsync();
        var found = (await fresh.Api.BackupsAsync()).Single();
        found.ServerName.ShouldBe(hs.ServerName);

        await BackupSteps.RestoreAsync(fresh, found);

        var restored = await fresh.GetHomeserverAsync();
        restored.Settings!.ServerName.ShouldBe(hs.ServerName);
        using var client = new MatrixClient(await fresh.ClientUrlAsync());
        await client.LoginAsync("moved-alice", "alice's long password");
        (await client.RecentTextsAsync(room)).ShouldContain("hello from moved");
        // The panel's own admin access works there too (its secrets were carried over).
        (await fresh.Api.UsersAsync()).Users.ShouldContain(u => u.UserId == $"@moved-bob:{hs.ServerName}");
        _ = mediaUri;
    }

    [Fact]
    public async Task An_encrypted_backup_needs_its_passphrase_and_gpg_can_open_it()
    {
        var settings = await hs.Api.Http.PutAsJsonAsync("/api/v1/backups/settings", new { passphrase = "correct horse battery staple 2" }, Ct);
        settings.StatusCode.ShouldBe(HttpStatusCode.OK, await settings.Content.ReadAsStringAsync(Ct));
        try
        {
            var backup = await BackupSteps.BackUpAsync(hs);
            backup.Encrypted.ShouldBeTrue();
            var set = Path.Combine(hs.BackupDirectory, backup.Directory);
            File.Exists(Path.Combine(set, "homeserver", "database.dump.gpg")).ShouldBeTrue();
            File.Exists(Path.Combine(set, "homeserver", "database.dump")).ShouldBeFalse();

            var wrong = await hs.Api.Http.PostAsJsonAsync($"/api/v1/backups/{backup.Id}/verify", new { passphrase = "not the passphrase at all" }, Ct);
            wrong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await wrong.Content.ReadAsStringAsync(Ct)).ShouldContain("passphrase");
            var right = await hs.Api.Http.PostAsJsonAsync($"/api/v1/backups/{backup.Id}/verify", new { }, Ct);
            right.StatusCode.ShouldBe(HttpStatusCode.OK, await right.Content.ReadAsStringAsync(Ct));

            // The standard tool opens it without the panel.
            var gpg = await ProcessRunner.RunAsync("gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "correct horse battery staple 2",
                "--homedir", TestEnvironment.NewTempDirectory("gnupg"), "--decrypt", Path.Combine(set, "homeserver", "config.tar.gpg"));
            gpg.ExitCode.ShouldBe(0, gpg.Output);
            gpg.Output.ShouldContain("homeserver.yaml");
        }
        finally
        {
            await hs.Api.Http.PutAsJsonAsync("/api/v1/backups/settings", new { removePassphrase = true }, Ct);
        }
    }

    [Fact]
    public async Task The_owner_takes_a_backup_from_the_page_and_sees_it_listed_with_its_size()
    {
        var before = (await hs.Api.BackupsAsync()).Count;
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "backup-ui", async () =>
        {
            await LoginPage.SignInAsOwnerAsync(page);
            var backups = new BackupsPage(page);
            await backups.OpenAsync();
            await backups.BackUpNowAsync();

            // The steps show while it runs; then the list has the new set, completed, with its size.
            await Assertions.Expect(backups.Operation).ToBeVisibleAsync();
            await Assertions.Expect(backups.Rows).ToHaveCountAsync(before + 1, new() { Timeout = 120_000 });
            await Assertions.Expect(backups.Status(backups.Rows.First)).ToHaveTextAsync("completed", new() { Timeout = 120_000 });
            await Assertions.Expect(backups.Size(backups.Rows.First)).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+(\.\d)? (KiB|MiB|GiB)$"));
            await BrowserFixture.ScreenshotAsync(page, "backup-listed");
        }, hs.Process);

        // The list says "completed" before the operation has pruned old sets: the next test's backup waits for that.
        await BackupSteps.SettledAsync(hs, (await hs.Api.BackupsAsync()).OrderByDescending(b => b.StartedAt).First().Id);
    }

    [Fact]
    public async Task A_failed_backup_raises_an_alert_that_the_next_good_one_clears()
    {
        // The backup directory cannot be written: a file stands where the directory should be.
        Directory.CreateDirectory(hs.BackupDirectory);
        var aside = hs.BackupDirectory + ".aside";
        Directory.Move(hs.BackupDirectory, aside);
        await File.WriteAllTextAsync(hs.BackupDirectory, "not a directory", Ct);
        try
        {
            var id = await hs.Api.StartBackupAsync();
            var view = await Eventually.UntilAsync(() => hs.Api.BackupAsync(id), v => v.Status != "running", TimeSpan.FromMinutes(1), "The end of the backup", TimeSpan.FromMilliseconds(500));

            view.Status.ShouldBe("failed");
            view.Error!.ShouldContain("could not be written");
            // The backup's status is written before its alert is raised: give it a moment.
            await Eventually.UntilAsync(() => hs.Api.AlertsAsync(), l => l.Any(a => a.Key == BackupsService.FailedAlertKey),
                TimeSpan.FromSeconds(15), "The failed-backup alert", TimeSpan.FromMilliseconds(250));
        }
        finally
        {
            File.Delete(hs.BackupDirectory);
            Directory.Move(aside, hs.BackupDirectory);
        }

        await BackupSteps.BackUpAsync(hs);
        await Eventually.UntilAsync(() => hs.Api.AlertsAsync(), l => l.All(a => a.Key != BackupsService.FailedAlertKey),
            TimeSpan.FromSeconds(15), "The failed-backup alert cleared", TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public async Task No_secret_used_in_the_main_flows_appears_in_the_panels_log()
    {
        var secrets = new List<string> { PanelWebOwnerPassword, hs.Token };

        // Users and invites, with their passwords and codes.
        await hs.Api.CreateUserAsync(new CreateUserRequest("secretive", null, "secretive's own password 1", false));
        secrets.Add("secretive's own password 1");
        var invite = await hs.CreateInviteAsync(new() { Note = "log test", MaxUses = 1 });
        var code = invite.Code;
        (await hs.RedeemAsync(code, "invited-secretive", "invited user's password 2")).StatusCode.ShouldBe(HttpStatusCode.Created);
        secrets.AddRange([code, "invited user's password 2"]);

        // A bridge: its appservice tokens.
        var bridge = await BackupSteps.InstallEchoAsync(hs);
        var registration = await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/appservices/echo.yaml");
        secrets.Add(Texts.Between(registration, "as_token: \"", "\""));
        secrets.Add(Texts.Between(registration, "hs_token: \"", "\""));

        // Stripe's keys and a backup passphrase.
        var donations = await hs.Api.Http.PutAsJsonAsync("/api/v1/donations/settings", new { stripeSecretKey = "sk_test_logsecret123456789", stripeWebhookSecret = "whsec_logsecret123456789" }, Ct);
        donations.StatusCode.ShouldBe(HttpStatusCode.OK, await donations.Content.ReadAsStringAsync(Ct));
        secrets.AddRange(["sk_test_logsecret123456789", "whsec_logsecret123456789"]);
        (await hs.Api.Http.PutAsJsonAsync("/api/v1/backups/settings", new { passphrase = "the backup passphrase 3" }, Ct)).EnsureSuccessStatusCode();
        secrets.Add("the backup passphrase 3");
        try
        {
            await BackupSteps.BackUpAsync(hs);
        }
        finally
        {
            await hs.Api.Http.PutAsJsonAsync("/api/v1/backups/settings", new { removePassphrase = true }, Ct);
        }

        // The homeserver's own secrets, as the panel generated them.
        var config = await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/homeserver.yaml");
        foreach (var key in new[] { "registration_shared_secret", "macaroon_secret_key", "form_secret", "password" })
        {
            secrets.Add(Texts.YamlValue(config, key));
        }

        secrets.Add((await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/signing.key")).Trim().Split(' ')[^1]);

        var log = hs.Process.Output;
        log.Length.ShouldBeGreaterThan(1000, "the panel logged the flows");
        foreach (var secret in secrets.Where(s => s.Length >= 8).Distinct())
        {
            log.Contains(secret, StringComparison.Ordinal).ShouldBeFalse($"a secret ({secret.Length} characters, starting {secret[..3]}…) is in the log");
        }

        _ = bridge;
    }

    private const string PanelWebOwnerPassword = "correct horse battery staple";
}
