using Microsoft.EntityFrameworkCore;
using Panel.Domain.Backups;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Backups;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.History;

/// <summary>A room archived with every backup; its name and alias when the homeserver could tell.</summary>
public sealed record ScheduledArchiveView(string RoomId, string? Name, string? Alias);

/// <summary>
/// Rooms archived with every backup: the list lives with the backup settings, and each backup
/// writes the archives into its own set, so the backup retention keeps and deletes them with it.
/// </summary>
public sealed class ScheduledRoomArchives(IDbContextFactory<PanelDbContext> contexts, HomeserverAccess homeserver, IAuditLog audit)
{
    /// <summary>Where a backup set keeps its room archives.</summary>
    public const string Folder = "rooms/";

    public const string Kind = "room-archive";

    public async Task<IReadOnlyList<ScheduledArchiveView>> ListAsync(CancellationToken cancellationToken)
    {
        var rooms = await RoomIdsAsync(cancellationToken);
        if (rooms.Count == 0)
        {
            return [];
        }

        IHomeserverAdmin? admin = null;
        try
        {
            admin = (await homeserver.GetAdminContextAsync(cancellationToken)).Admin;
        }
        catch (Exception e) when (e is DomainException or HttpRequestException)
        {
            // No homeserver to ask for names right now: the IDs are still the list.
        }

        var views = new List<ScheduledArchiveView>();
        foreach (var id in rooms)
        {
            var room = admin is null ? null : await TryFindAsync(admin, id, cancellationToken);
            views.Add(new ScheduledArchiveView(id, room?.Name, room?.Alias));
        }

        return views;
    }

    /// <summary>Adds a room (by ID or alias) that this server holds; stored by its ID.</summary>
    public async Task<ScheduledArchiveView> AddAsync(RoomArchiveRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var (admin, _) = await homeserver.GetAdminContextAsync(cancellationToken);
        var room = await RoomArchives.HeldRoomAsync(admin, request.Room, cancellationToken);
        await ChangeAsync(rooms => rooms.Contains(room.RoomId, StringComparer.Ordinal) ? rooms : [.. rooms, room.RoomId], cancellationToken);
        await audit.RecordAsync(actor, "history.room-archive-scheduled", room.RoomId, Panel.Domain.Audit.AuditOutcome.Success,
            $"{room.Alias ?? room.Name ?? room.RoomId}: archived with every backup", cancellationToken);
        return new ScheduledArchiveView(room.RoomId, room.Name, room.Alias);
    }

    public async Task RemoveAsync(string roomId, AuditActor actor, CancellationToken cancellationToken)
    {
        if (!(await RoomIdsAsync(cancellationToken)).Contains(roomId, StringComparer.Ordinal))
        {
            throw new NotFoundException("That room is not archived with the backups.");
        }

        await ChangeAsync(rooms => [.. rooms.Where(r => r != roomId)], cancellationToken);
        await audit.RecordAsync(actor, "history.room-archive-unscheduled", roomId, Panel.Domain.Audit.AuditOutcome.Success,
            "no longer archived with the backups (the archives in earlier backups stay until those are deleted)", cancellationToken);
    }

    /// <summary>
    /// Writes an archive of every chosen room into the backup set. A room that cannot be archived
    /// (left, deleted) does not fail the backup: it is named in the answer, which the backup shows.
    /// </summary>
    public async Task<string> WriteIntoAsync(BackupSetWriter set, DateTimeOffset now, Action<string> progress, CancellationToken cancellationToken)
    {
        var rooms = await RoomIdsAsync(cancellationToken);
        if (rooms.Count == 0)
        {
            return "";
        }

        IHomeserverAdmin admin;
        try
        {
            admin = (await homeserver.GetAdminContextAsync(cancellationToken)).Admin;
        }
        catch (Exception e) when (e is DomainException or HttpRequestException)
        {
            // The rest of the backup does not need Synapse to answer; the archives do.
            return $"No room archived: the homeserver did not answer ({e.Message}).";
        }

        var written = 0;
        var missed = new List<string>();
        foreach (var id in rooms)
        {
            progress($"Archiving {id} ({written + missed.Count + 1} of {rooms.Count})…");
            var room = await TryFindAsync(admin, id, cancellationToken);
            if (room is null || room.StateEstimated)
            {
                missed.Add($"{id} (this server no longer holds it)");
                continue;
            }

            var name = Folder + RoomArchives.FileName(room, now);
            try
            {
                await set.WriteAsync(name, Kind,
                    output => new RoomArchiveWriter(admin, room.RoomId, now).WriteAsync(output, OperationContext.Silent, cancellationToken), cancellationToken);
                written++;
            }
            catch (Exception e) when (e is DomainException or HttpRequestException)
            {
                // Half an archive is not one: it leaves the set (it never reached the manifest).
                var folder = Path.Combine(set.Directory, Folder);
                foreach (var partial in Directory.Exists(folder) ? Directory.EnumerateFiles(folder, Path.GetFileName(name) + "*") : [])
                {
                    File.Delete(partial);
                }

                missed.Add($"{id} ({e.Message})");
            }
        }

        return $"{written} room archive(s)" + (missed.Count > 0 ? $"; not archived: {string.Join(", ", missed)}" : "") + ".";
    }

    private async Task<IReadOnlyList<string>> RoomIdsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return (await db.BackupSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken))?.RoomsToArchive ?? [];
    }

    private async Task ChangeAsync(Func<IReadOnlyList<string>, IReadOnlyList<string>> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var settings = await db.BackupSettings.SingleOrAddAsync(BackupSettings.Default, cancellationToken);

        settings.ChooseRoomsToArchive(change(settings.RoomsToArchive));
        await db.SaveChangesAsync(cancellationToken);
    }

    private static async Task<RoomSize?> TryFindAsync(IHomeserverAdmin admin, string roomId, CancellationToken cancellationToken)
    {
        try
        {
            return await admin.FindRoomAsync(roomId, cancellationToken);
        }
        catch (Exception e) when (e is DomainException or HttpRequestException)
        {
            return null;
        }
    }
}
