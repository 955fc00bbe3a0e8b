using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Panel.Testing;
using Panel.Web.Features.Backups;
using Panel.Web.Features.Bridges;
using Panel.Web.Features.Users;

namespace Panel.EndToEnd.Tests.Backups;

/// <summary>The steps the backup tests are written in: data to keep, a backup, a restore, the echo bridge.</summary>
internal static class BackupSteps
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Two users, a conversation between them and a file: what a restore must bring back.</summary>
    public static async Task<(string Room, string MediaUri)> MakeDataAsync(HomeserverPanel panel, string prefix)
    {
        foreach (var name in new[] { "alice", "bob" })
        {
            await panel.Api.CreateUserAsync(new CreateUserRequest($"{prefix}-{name}", null, $"{name}'s long password", false));
        }

        var url = await panel.ClientUrlAsync();
        var server = (await panel.GetHomeserverAsync()).Settings!.ServerName;
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

    /// <summary>Both users sign in, see the conversation, and download the file.</summary>
    public static async Task CheckDataAsync(HomeserverPanel panel, string prefix, string room, string mediaUri)
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

    /// <summary>Takes a backup through the API and waits until it is complete and its operation over.</summary>
    public static async Task<BackupView> BackUpAsync(HomeserverPanel panel)
    {
        var view = await SettledAsync(panel, await panel.Api.StartBackupAsync());
        return view.Status == "completed" ? view : throw new InvalidOperationException("The backup failed: " + view);
    }

    /// <summary>
    /// Waits until a backup is completed or failed, and its operation over (it prunes old sets after
    /// the set is complete): the next step of a test may be another operation, which would find this one running.
    /// </summary>
    public static Task<BackupView> SettledAsync(HomeserverPanel panel, Guid id) =>
        Eventually.UntilAsync(() => panel.Api.BackupAsync(id),
            v => v.Status == "failed" || (v.Status == "completed" && v.Operation is not { FinishedAt: null }),
            TimeSpan.FromMinutes(3), "The end of the backup", TimeSpan.FromMilliseconds(500));

    /// <summary>Restores a set (confirming with its server name) and waits until the homeserver is healthy.</summary>
    public static async Task RestoreAsync(HomeserverPanel panel, BackupView backup)
    {
        await panel.Api.RestoreAsync(backup.Id, new RestoreRequest { ConfirmServerName = backup.ServerName });
        var done = await panel.WaitForOperationAsync("restore", TimeSpan.FromMinutes(5));
        done.Operation!.Succeeded.ShouldBeTrue(done.Operation.ToString());
        (await panel.WaitUntilHealthyAsync()).Health.ShouldBe("healthy");
    }

    /// <summary>The echo bridge, installed and running (installed once per panel).</summary>
    public static async Task<Guid> InstallEchoAsync(HomeserverPanel panel)
    {
        if ((await panel.Api.BridgesAsync()).FirstOrDefault(b => b.CatalogId == "echo") is { } existing)
        {
            return existing.Id;
        }

        var id = await panel.Api.InstallBridgeAsync(new BridgeInstallRequest { CatalogId = "echo" });
        await WaitForBridgeRunningAsync(panel, id);
        return id;
    }

    /// <summary>Waits until the bridge runs (or failed) with no operation of its own under way.</summary>
    public static Task<BridgeView> WaitForBridgeRunningAsync(HomeserverPanel panel, Guid id) =>
        Eventually.UntilAsync(() => panel.Api.BridgeAsync(id),
            v => v.Status is "running" or "failed" && v.Operation is not { FinishedAt: null },
            TimeSpan.FromMinutes(3), "The bridge running", TimeSpan.FromMilliseconds(500));

    public static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
