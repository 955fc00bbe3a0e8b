using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Panel.EndToEnd.Tests.Homeserver;
using Panel.EndToEnd.Tests.Invites;
using Panel.Testing;

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
        var (room, mediaUri) = await MakeDataAsync(hs, "drill");
        var bridge = await InstallEchoAsync(hs);

        // 2. Back up. The bridge is frozen while its volume is copied, and thawed after.
        var since = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var backup = await BackUpAsync(hs);
        var events = await DockerTestHelper.CliAsync("events", "--since", since, "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--filter", $"container={hs.Instance}-bridge-echo", "--format", "{{.Action}}");
        events.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(a => a is "pause" or "unpause").ShouldBe(["pause", "unpause"]);
        ((await DockerTestHelper.InspectAsync($"{hs.Instance}-bridge-echo"))?.State?.Status).ShouldBe("running");
        backup.GetProperty("sizeBytes").GetInt64().ShouldBeGreaterThan(10_000);
        backup.GetProperty("contents").GetString()!.ShouldContain("media");
        var set = Path.Combine(hs.BackupDirectory, backup.GetProperty("directory").GetString()!);
        File.Exists(Path.Combine(set, "manifest.json")).ShouldBeTrue();
        File.Exists(Path.Combine(set, "homeserver", "database.dump")).ShouldBeTrue();
        File.Exists(Path.Combine(set, "bridges", "echo.tar")).ShouldBeTrue();

        // 3. Uninstall, deleting the data.
        var uninstall = await hs.Api.DeleteAsync($"/api/v1/homeserver?deleteData=true&confirmServerName={hs.ServerName}", Ct);
        uninstall.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await hs.WaitForOperationAsync("uninstall");
        (await hs.GetHomeserverAsync()).GetProperty("installed").GetBoolean().ShouldBeFalse();
        (await DockerTestHelper.VolumeExistsAsync($"{hs.Instance}-synapse-data")).ShouldBeFalse();

        // 4. Restore.
        await RestoreAsync(hs, backup);

        // 5. Every user logs in and the messages are there; so are the file and the bridge.
        await CheckDataAsync(hs, "drill", room, mediaUri);
        var bridgeView = await WaitForBridgeRunningAsync(hs, bridge);
        bridgeView.GetProperty("status").GetString().ShouldBe("running");

        var audit = await hs.Api.GetStringAsync("/api/v1/audit?action=backup.restored", Ct);
        audit.ShouldContain("backup.restored");
    }

    [Fact]
    public async Task A_damaged_backup_is_refused_before_any_data_is_touched()
    {
        var (room, mediaUri) = await MakeDataAsync(hs, "damage");
        var backup = await BackUpAsync(hs);

        // A copy of the set, with one byte of the media archive changed, appears in the list.
        var original = Path.Combine(hs.BackupDirectory, backup.GetProperty("directory").GetString()!);
        var copy = Path.Combine(hs.BackupDirectory, "damaged-copy");
        CopyDirectory(original, copy);
        var media = Path.Combine(copy, "homeserver", "media.tar");
        var bytes = await File.ReadAllBytesAsync(media, Ct);
        bytes[bytes.Length / 2] ^= 0xff;
        await File.WriteAllBytesAsync(media, bytes, Ct);
        var damaged = (await hs.Api.GetFromJsonAsync<JsonElement>("/api/v1/backups", Ct)).EnumerateArray().Single(b => b.GetProperty("directory").GetString() == "damaged-copy");
        damaged.GetProperty("trigger").GetString().ShouldBe("imported");

        var before = (await hs.GetHomeserverAsync()).GetProperty("status").GetProperty("containerId").GetString();
        var verify = await hs.Api.PostAsJsonAsync($"/api/v1/backups/{damaged.GetProperty("id").GetGuid()}/verify", new { }, Ct);
        verify.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await verify.Content.ReadAsStringAsync(Ct)).ShouldContain("media.tar does not match its checksum");

        var restore = await hs.Api.PostAsJsonAsync($"/api/v1/backups/{damaged.GetProperty("id").GetGuid()}/restore", new { confirmServerName = hs.ServerName }, Ct);
        restore.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var view = await hs.WaitForOperationAsync("restore");
        var operation = view.GetProperty("operation");
        operation.GetProperty("succeeded").GetBoolean().ShouldBeFalse();
        operation.GetProperty("error").GetString()!.ShouldContain("damaged");
        operation.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "prepare").GetProperty("status").GetString().ShouldBe("Pending");

        // Nothing was touched: the same Synapse container runs on the same data.
        var after = await hs.WaitUntilHealthyAsync();
        after.GetProperty("status").GetProperty("containerId").GetString().ShouldBe(before);
        await CheckDataAsync(hs, "damage", room, mediaUri);
    }

    [Fact]
    public async Task A_backup_restores_onto_a_fresh_panel_on_another_machine()
    {
        var (room, mediaUri) = await MakeDataAsync(hs, "moved");
        var backup = await BackUpAsync(hs);
        var set = Path.Combine(hs.BackupDirectory, backup.GetProperty("directory").GetString()!);

        // Another panel: its own data directory (its own encryption keys), its own Docker names.
        await using var fresh = new HomeserverPanel();
        CopyDirectory(set, Path.Combine(fresh.Process.DataDirectory, "backups", "from-the-old-machine"));
        await fresh.StartAsync();
        var found = (await fresh.Api.GetFromJsonAsync<JsonElement>("/api/v1/backups", Ct)).EnumerateArray().Single();
        found.GetProperty("serverName").GetString().ShouldBe(hs.ServerName);

        await RestoreAsync(fresh, found);

        var restored = await fresh.GetHomeserverAsync();
        restored.GetProperty("settings").GetProperty("serverName").GetString().ShouldBe(hs.ServerName);
        using var client = new MatrixClient(await fresh.ClientUrlAsync());
        await client.LoginAsync("moved-alice", "alice's long password");
        (await client.RecentTextsAsync(room)).ShouldContain("hello from moved");
        // The panel's own admin access works there too (its secrets were carried over).
        var users = await fresh.Api.GetFromJsonAsync<JsonElement>("/api/v1/users", Ct);
        users.ToString().ShouldContain("moved-bob");
        _ = mediaUri;
    }

    [Fact]
    public async Task An_encrypted_backup_needs_its_passphrase_and_gpg_can_open_it()
    {
        var settings = await hs.Api.PutAsJsonAsync("/api/v1/backups/settings", new { passphrase = "correct horse battery staple 2" }, Ct);
        settings.StatusCode.ShouldBe(HttpStatusCode.OK, await settings.Content.ReadAsStringAsync(Ct));
        try
        {
            var backup = await BackUpAsync(hs);
            backup.GetProperty("encrypted").GetBoolean().ShouldBeTrue();
            var set = Path.Combine(hs.BackupDirectory, backup.GetProperty("directory").GetString()!);
            File.Exists(Path.Combine(set, "homeserver", "database.dump.gpg")).ShouldBeTrue();
            File.Exists(Path.Combine(set, "homeserver", "database.dump")).ShouldBeFalse();

            var wrong = await hs.Api.PostAsJsonAsync($"/api/v1/backups/{backup.GetProperty("id").GetGuid()}/verify", new { passphrase = "not the passphrase at all" }, Ct);
            wrong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await wrong.Content.ReadAsStringAsync(Ct)).ShouldContain("passphrase");
            var right = await hs.Api.PostAsJsonAsync($"/api/v1/backups/{backup.GetProperty("id").GetGuid()}/verify", new { }, Ct);
            right.StatusCode.ShouldBe(HttpStatusCode.OK, await right.Content.ReadAsStringAsync(Ct));

            // The standard tool opens it without the panel.
            var gpg = await ProcessRunner.RunAsync("gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "correct horse battery staple 2",
                "--homedir", TestEnvironment.NewTempDirectory("gnupg"), "--decrypt", Path.Combine(set, "homeserver", "config.tar.gpg"));
            gpg.ExitCode.ShouldBe(0, gpg.Output);
            gpg.Output.ShouldContain("homeserver.yaml");
        }
        finally
        {
            await hs.Api.PutAsJsonAsync("/api/v1/backups/settings", new { removePassphrase = true }, Ct);
        }
    }

    [Fact]
    public async Task The_owner_takes_a_backup_from_the_page_and_sees_it_listed_with_its_size()
    {
        var before = (await hs.Api.GetFromJsonAsync<JsonElement>("/api/v1/backups", Ct)).GetArrayLength();
        var page = await browser.NewPageAsync(hs.Process.BaseUrl);
        await BrowserFixture.RunAsync(page, "backup-ui", async () =>
        {
            await UiSignIn.SignInAsync(page, "owner", "correct horse battery staple");
            await page.GotoAsync("/backups");
            await UiSignIn.WaitForInteractiveAsync(page);
            await page.GetByTestId("backup-now").ClickAsync();

            // The steps show while it runs; then the list has the new set, completed, with its size.
            await Assertions.Expect(page.GetByTestId("operation")).ToBeVisibleAsync();
            var rows = page.GetByTestId("backups").Locator("tbody tr");
            await Assertions.Expect(rows).ToHaveCountAsync(before + 1, new() { Timeout = 120_000 });
            await Assertions.Expect(rows.First.GetByTestId("backup-status")).ToHaveTextAsync("completed", new() { Timeout = 120_000 });
            await Assertions.Expect(rows.First.GetByTestId("backup-size")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+(\.\d)? (KiB|MiB|GiB)$"));
            await BrowserFixture.ScreenshotAsync(page, "backup-listed");
        }, hs.Process);
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
            var started = await hs.Api.PostAsync("/api/v1/backups", null, Ct);
            started.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetGuid();
            JsonElement view = default;
            for (var i = 0; i < 120 && (view.ValueKind == JsonValueKind.Undefined || view.GetProperty("status").GetString() == "running"); i++)
            {
                await Task.Delay(500, Ct);
                view = await hs.Api.GetFromJsonAsync<JsonElement>($"/api/v1/backups/{id}", Ct);
            }

            view.GetProperty("status").GetString().ShouldBe("failed");
            view.GetProperty("error").GetString()!.ShouldContain("could not be written");
            var alerts = await hs.Api.GetFromJsonAsync<JsonElement>("/api/v1/alerts", Ct);
            alerts.EnumerateArray().ShouldContain(a => a.GetProperty("key").GetString() == "backup:failed");
        }
        finally
        {
            File.Delete(hs.BackupDirectory);
            Directory.Move(aside, hs.BackupDirectory);
        }

        await BackUpAsync(hs);
        (await hs.Api.GetFromJsonAsync<JsonElement>("/api/v1/alerts", Ct)).EnumerateArray().ShouldNotContain(a => a.GetProperty("key").GetString() == "backup:failed");
    }

    [Fact]
    public async Task No_secret_used_in_the_main_flows_appears_in_the_panels_log()
    {
        var secrets = new List<string> { PanelWebOwnerPassword, hs.Token };

        // Users and invites, with their passwords and codes.
        var created = await hs.Api.PostAsJsonAsync("/api/v1/users", new { username = "secretive", password = "secretive's own password 1" }, Ct);
        created.IsSuccessStatusCode.ShouldBeTrue();
        secrets.Add("secretive's own password 1");
        var invite = await hs.CreateInviteAsync(new { note = "log test", maxUses = 1 });
        var code = invite.GetProperty("code").GetString()!;
        (await hs.RedeemAsync(code, "invited-secretive", "invited user's password 2")).StatusCode.ShouldBe(HttpStatusCode.Created);
        secrets.AddRange([code, "invited user's password 2"]);

        // A bridge: its appservice tokens.
        var bridge = await InstallEchoAsync(hs);
        var registration = await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/appservices/echo.yaml");
        secrets.Add(Between(registration, "as_token: \"", "\""));
        secrets.Add(Between(registration, "hs_token: \"", "\""));

        // Stripe's keys and a backup passphrase.
        var donations = await hs.Api.PutAsJsonAsync("/api/v1/donations/settings", new { stripeSecretKey = "sk_test_logsecret123456789", stripeWebhookSecret = "whsec_logsecret123456789" }, Ct);
        donations.StatusCode.ShouldBe(HttpStatusCode.OK, await donations.Content.ReadAsStringAsync(Ct));
        secrets.AddRange(["sk_test_logsecret123456789", "whsec_logsecret123456789"]);
        (await hs.Api.PutAsJsonAsync("/api/v1/backups/settings", new { passphrase = "the backup passphrase 3" }, Ct)).EnsureSuccessStatusCode();
        secrets.Add("the backup passphrase 3");
        try
        {
            await BackUpAsync(hs);
        }
        finally
        {
            await hs.Api.PutAsJsonAsync("/api/v1/backups/settings", new { removePassphrase = true }, Ct);
        }

        // The homeserver's own secrets, as the panel generated them.
        var config = await DockerTestHelper.ReadFileAsync(hs.SynapseContainer, "/data/homeserver.yaml");
        foreach (var key in new[] { "registration_shared_secret", "macaroon_secret_key", "form_secret", "password" })
        {
            secrets.Add(YamlValue(config, key));
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

    private static string Between(string text, string start, string end)
    {
        var i = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[i..text.IndexOf(end, i, StringComparison.Ordinal)];
    }

    private static string YamlValue(string yaml, string key)
    {
        var line = yaml.Split('\n').First(l => l.TrimStart().StartsWith(key + ":", StringComparison.Ordinal));
        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Trim('"', '\'');
    }

    internal static async Task<(string Room, string MediaUri)> MakeDataAsync(HomeserverPanel panel, string prefix)
    {
        foreach (var name in new[] { "alice", "bob" })
        {
            var created = await panel.Api.PostAsJsonAsync("/api/v1/users", new { username = $"{prefix}-{name}", password = $"{name}'s long password" }, Ct);
            created.IsSuccessStatusCode.ShouldBeTrue(await created.Content.ReadAsStringAsync(Ct));
        }

        var url = await panel.ClientUrlAsync();
        var server = (await panel.GetHomeserverAsync()).GetProperty("settings").GetProperty("serverName").GetString();
        using var alice = new MatrixClient(url);
        await alice.LoginAsync($"{prefix}-alice", "alice's long password");
        using var bob = new MatrixClient(url);
        await bob.LoginAsync($"{prefix}-bob", "bob's long password");
        var room = await alice.CreateRoomAsync($"{prefix} room", [$"@{prefix}-bob:{server}"]);
        await bob.JoinAsync(room);
        await alice.SendTextAsync(room, $"hello from {prefix}");
        await bob.SendTextAsync(room, $"hi alice, {prefix} here");
        using var upload = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes($"a file of {prefix}"));
        upload.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var uploaded = await alice.Http.PostAsync("/_matrix/media/v3/upload?filename=note.txt", upload, Ct);
        var mediaUri = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("content_uri").GetString()!;
        return (room, mediaUri);
    }

    internal static async Task CheckDataAsync(HomeserverPanel panel, string prefix, string room, string mediaUri)
    {
        var url = await panel.ClientUrlAsync();
        using var alice = new MatrixClient(url);
        await alice.LoginAsync($"{prefix}-alice", "alice's long password");
        using var bob = new MatrixClient(url);
        await bob.LoginAsync($"{prefix}-bob", "bob's long password");
        var texts = await bob.RecentTextsAsync(room);
        texts.ShouldContain($"hello from {prefix}");
        texts.ShouldContain($"hi alice, {prefix} here");
        var media = new Uri(mediaUri);
        var download = await alice.Http.GetAsync($"/_matrix/client/v1/media/download/{media.Host}{media.AbsolutePath}", Ct);
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await download.Content.ReadAsStringAsync(Ct)).ShouldBe($"a file of {prefix}");
    }

    internal static async Task<JsonElement> BackUpAsync(HomeserverPanel panel)
    {
        var started = await panel.Api.PostAsync("/api/v1/backups", null, Ct);
        var body = await started.Content.ReadAsStringAsync(Ct);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            var view = await panel.Api.GetFromJsonAsync<JsonElement>($"/api/v1/backups/{id}", Ct);
            // Completed, and its operation over (it prunes old sets after the set is complete):
            // the next step of a test may be another operation, which would find this one running.
            var operationOver = view.GetProperty("operation") is not { ValueKind: JsonValueKind.Object } op || op.GetProperty("finishedAt").ValueKind != JsonValueKind.Null;
            switch (view.GetProperty("status").GetString())
            {
                case "completed" when operationOver:
                    return view;
                case "failed":
                    throw new InvalidOperationException("The backup failed: " + view);
            }

            await Task.Delay(500, Ct);
        }

        throw new TimeoutException("The backup did not finish in time.");
    }

    private static async Task RestoreAsync(HomeserverPanel panel, JsonElement backup)
    {
        var restore = await panel.Api.PostAsJsonAsync($"/api/v1/backups/{backup.GetProperty("id").GetGuid()}/restore",
            new { confirmServerName = backup.GetProperty("serverName").GetString() }, Ct);
        restore.StatusCode.ShouldBe(HttpStatusCode.Accepted, await restore.Content.ReadAsStringAsync(Ct));
        var done = await panel.WaitForOperationAsync("restore", TimeSpan.FromMinutes(5));
        done.GetProperty("operation").GetProperty("succeeded").GetBoolean().ShouldBeTrue(done.GetProperty("operation").ToString());
        (await panel.WaitUntilHealthyAsync()).GetProperty("health").GetString().ShouldBe("healthy");
    }

    private static async Task<Guid> InstallEchoAsync(HomeserverPanel panel)
    {
        var existing = (await panel.Api.GetFromJsonAsync<JsonElement>("/api/v1/bridges", Ct)).EnumerateArray().FirstOrDefault(b => b.GetProperty("catalogId").GetString() == "echo");
        if (existing.ValueKind == JsonValueKind.Object)
        {
            return existing.GetProperty("id").GetGuid();
        }

        var response = await panel.Api.PostAsJsonAsync("/api/v1/bridges", new { catalogId = "echo" }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, text);
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
        await WaitForBridgeRunningAsync(panel, id);
        return id;
    }

    private static async Task<JsonElement> WaitForBridgeRunningAsync(HomeserverPanel panel, Guid id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        JsonElement view = default;
        while (DateTime.UtcNow < deadline)
        {
            var response = await panel.Api.GetAsync($"/api/v1/bridges/{id}", Ct);
            if (response.IsSuccessStatusCode)
            {
                view = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
                var idle = view.GetProperty("operation") is not { ValueKind: JsonValueKind.Object } op || op.GetProperty("finishedAt").ValueKind != JsonValueKind.Null;
                if (view.GetProperty("status").GetString() is "running" or "failed" && idle)
                {
                    return view;
                }
            }

            await Task.Delay(500, Ct);
        }

        throw new TimeoutException("The bridge did not run in time: " + view);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
