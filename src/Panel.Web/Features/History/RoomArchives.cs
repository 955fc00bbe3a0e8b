using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Configuration;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.History;

/// <summary>An archive on disk.</summary>
public sealed record RoomArchiveView(string Name, long Bytes, DateTimeOffset CreatedAt);

public sealed record RoomArchiveRequest(string? Room);

/// <summary>
/// Room archives on demand: any room the homeserver holds, written as an operation (steps,
/// progress, audit) to the panel's data directory, where they can be downloaded and deleted.
/// </summary>
public sealed partial class RoomArchives(
    IOptions<PanelOptions> panel,
    HomeserverAccess homeserver,
    HomeserverOperations operations,
    IAuditLog audit,
    TimeProvider clock)
{
    public string Directory => Path.Combine(panel.Value.DataDirectoryFullPath, "archives");

    /// <summary>Starts archiving the room (an ID or an alias); answers the archive's file name once the operation runs.</summary>
    public async Task<string> StartAsync(RoomArchiveRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var (admin, _) = await homeserver.GetAdminContextAsync(cancellationToken);
        var room = await HeldRoomAsync(admin, request.Room, cancellationToken);

        System.IO.Directory.CreateDirectory(Directory);
        var now = clock.GetUtcNow();
        var name = FileName(room, now);
        var path = Path.Combine(Directory, name);
        _ = operations.Start("room-archive", RoomArchiveWriter.Steps, async (progress, ct) =>
        {
            var partial = path + ".partial";
            try
            {
                RoomArchiveWriter.Result result;
                await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
                {
                    result = await new RoomArchiveWriter(admin, room.RoomId, now).WriteAsync(file, progress, ct);
                }

                // Only a whole archive gets the name people download.
                File.Move(partial, path);
                progress.Outcome($"{result.Events:N0} events, {result.Media} file(s)" + (result.Encrypted ? "; encrypted: metadata and state only" : "") + $", {new ByteSize(new FileInfo(path).Length)}");
            }
            finally
            {
                File.Delete(partial);
            }
        }, subject: room.Alias ?? room.Name ?? room.RoomId,
        audit: new OperationAudit(actor, "history.room-archive", room.RoomId, name));
        return name;
    }

    /// <summary>The room, by ID or alias, if this server holds it (only then can it be archived, or its settings changed).</summary>
    public static async Task<RoomSize> HeldRoomAsync(IHomeserverAdmin admin, string? roomIdOrAlias, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(roomIdOrAlias))
        {
            throw new DomainException("Give the room: its ID (!abc:server) or alias (#name:server).");
        }

        var room = await admin.FindRoomAsync(roomIdOrAlias.Trim(), cancellationToken);
        return room is null || room.StateEstimated
            ? throw new NotFoundException($"This server holds no room {roomIdOrAlias.Trim()}: only rooms it is in can be archived or changed.")
            : room;
    }

    /// <summary>An archive's file name: the room's alias or name, and when.</summary>
    public static string FileName(RoomSize room, DateTimeOffset at) => $"{Slug(room.Alias ?? room.Name ?? room.RoomId)}-{at:yyyyMMdd-HHmmss}.zip";

    public IReadOnlyList<RoomArchiveView> List() =>
        !System.IO.Directory.Exists(Directory) ? [] :
        [.. new DirectoryInfo(Directory).EnumerateFiles("*.zip").OrderByDescending(f => f.CreationTimeUtc)
            .Select(f => new RoomArchiveView(f.Name, f.Length, new DateTimeOffset(f.CreationTimeUtc, TimeSpan.Zero)))];

    /// <summary>The archive's path, for a name as listed; a name that is not one is "not found", whatever it holds.</summary>
    public string PathOf(string name)
    {
        if (!ArchiveName().IsMatch(name) || !File.Exists(Path.Combine(Directory, name)))
        {
            throw new NotFoundException("There is no such archive.");
        }

        return Path.Combine(Directory, name);
    }

    public async Task DeleteAsync(string name, AuditActor actor, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(name));
        await audit.RecordAsync(actor, "history.room-archive-delete", name, Panel.Domain.Audit.AuditOutcome.Success, null, cancellationToken);
    }

    private static string Slug(string text)
    {
        var slug = NotSlug().Replace(text.TrimStart('#', '!').Split(':')[0].ToLowerInvariant(), "-").Trim('-');
        return slug.Length == 0 ? "room" : slug.Length > 60 ? slug[..60] : slug;
    }

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotSlug();

    [GeneratedRegex(@"^[a-z0-9-]{1,60}-\d{8}-\d{6}\.zip$")]
    private static partial Regex ArchiveName();
}
