using System.Formats.Tar;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Backups;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Backups;
using Panel.Infrastructure.Configuration;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;
using Panel.Infrastructure.Synapse;
using Panel.Web.Features.History;
using Panel.Web.Features.Homeserver;
using Microsoft.Extensions.Options;

namespace Panel.Web.Features.Backups;

/// <summary>
/// Makes one backup set: the homeserver's database (pg_dump through Docker exec, or SQLite's online
/// backup), its media store, signing key and config, the bridges' data, and the panel's own database
/// with the keys that decrypt its secrets, each file checksummed (and encrypted when a passphrase is
/// set), with the manifest written last.
/// </summary>
public sealed partial class BackupWriter(
    IContainerRuntime docker,
    IDbContextFactory<PanelDbContext> contexts,
    PanelDatabaseCopies panelDatabase,
    HomeserverContainers homeserver,
    HomeserverNames names,
    ScheduledRoomArchives rooms,
    IOptions<PanelOptions> panel,
    TimeProvider clock,
    ILogger<BackupWriter> logger)
{
    public const string HomeserverDump = "homeserver/database.dump";
    public const string HomeserverSqlite = "homeserver/homeserver.db";
    public const string SynapseConfigTar = "homeserver/config.tar";
    public const string MediaTar = "homeserver/media.tar";
    public const string Records = "panel/records.db";
    public const string PanelDatabaseSqlite = "panel/panel.db";
    public const string PanelDatabaseDump = "panel/panel.dump";
    public const string KeysPrefix = "panel/keys/";

    public static string BridgeTar(string id) => $"bridges/{id}.tar";

    public static string BridgeDump(string id) => $"bridges/{id}.dump";

    public static readonly IReadOnlyList<(string Key, string Title)> Steps =
    [
        ("database", "Dump the homeserver's database"),
        ("files", "Copy the media store, the signing key and the config"),
        ("bridges", "Copy the bridges' data"),
        ("rooms", "Archive the chosen rooms"),
        ("panel", "Copy the panel's database and keys"),
        ("manifest", "Write the manifest"),
    ];

    private const string SqliteSnapshot = "/data/.panel-backup.db";

    public async Task<BackupManifest> WriteAsync(Guid id, string directory, string? passphrase, OperationContext progress, CancellationToken cancellationToken)
    {
        HomeserverDeployment d;
        List<Bridge> bridges;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            d = await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? throw new ConflictException("There is no homeserver to back up.");
            bridges = await db.Bridges.AsNoTracking().Where(b => b.Phase == BridgePhase.Installed).ToListAsync(cancellationToken);
        }

        if (d is not { Phase: InstallPhase.Installed, Mode: HomeserverMode.Managed })
        {
            throw new ConflictException("Backups cover a homeserver that the panel installed and runs; there is none right now.");
        }

        Directory.CreateDirectory(directory);
        var set = new BackupSetWriter(directory, passphrase);

        progress.Start("database");
        if (d.Database == HomeserverDatabase.Postgres)
        {
            await homeserver.EnsureDatabaseRunningAsync(d, null, cancellationToken);
            await DumpAsync(set, HomeserverDump, "homeserver database", SynapseLayout.PostgresDatabase, progress, cancellationToken);
        }
        else
        {
            await SqliteSnapshotAsync(set, progress, cancellationToken);
        }

        progress.Done("database", $"{new ByteSize(set.Files[^1].Size)}.");

        progress.Start("files");
        await SplitSynapseVolumeAsync(set, progress, cancellationToken);
        progress.Done("files", $"Media {new ByteSize(set.Files.Single(f => f.Kind == "media").Size)}, config and signing key {new ByteSize(set.Files.Single(f => f.Kind == "config").Size)}.");

        progress.Start("bridges");
        if (bridges.Count == 0)
        {
            progress.Skip("bridges", "No bridges are installed.");
        }
        else
        {
            foreach (var bridge in bridges)
            {
                progress.Progress("bridges", null, $"Copying {bridge.CatalogId}…");
                if (await docker.InspectAsync(names.Bridge(bridge.CatalogId), cancellationToken) is { } container)
                {
                    await CopyBridgeVolumeAsync(set, bridge, container, cancellationToken);
                }

                if (bridge.DatabaseKind == BridgeDatabaseKind.Postgres)
                {
                    await DumpAsync(set, BridgeDump(bridge.CatalogId), "bridges", HomeserverNames.BridgeDatabase(bridge.CatalogId), progress, cancellationToken);
                }
            }

            progress.Done("bridges", string.Join(", ", bridges.Select(b => b.CatalogId)) + ".");
        }

        progress.Start("rooms");
        var archived = await rooms.WriteIntoAsync(set, clock.GetUtcNow(), message => progress.Progress("rooms", null, message), cancellationToken);
        if (archived.Length == 0)
        {
            progress.Skip("rooms", "No rooms are chosen to archive with the backups (History page).");
        }
        else
        {
            progress.Done("rooms", archived);
        }

        progress.Start("panel");
        var notes = new List<string>();
        await WritePanelAsync(set, d, notes, cancellationToken);
        progress.Done("panel", notes.Count == 0 ? "The panel's database, the homeserver's records and the encryption keys." : string.Join(" ", notes));

        progress.Start("manifest");
        var manifest = await set.WriteManifestAsync(new BackupManifest
        {
            Id = id,
            CreatedAt = clock.GetUtcNow(),
            ServerName = d.ServerName,
            Database = d.Database == HomeserverDatabase.Postgres ? "postgres" : "sqlite",
            SynapseImage = d.SynapseImage,
        }, cancellationToken);
        progress.Done("manifest", $"{manifest.Files.Count} files, {new ByteSize(manifest.TotalSize)}" + (manifest.Encrypted ? ", encrypted." : "."));
        LogWritten(logger, directory, manifest.TotalSize);
        return manifest;
    }

    /// <summary>pg_dump in custom format, run inside the homeserver's database container: its stdout is the file.</summary>
    /// <summary>
    /// Copies a bridge's volume with the bridge frozen: a bridge writes its state (a SQLite
    /// database, session files) while it runs, and a copy taken mid-write does not open. Frozen, not
    /// stopped: its connections stay up, and the homeserver retries what it sent meanwhile.
    /// </summary>
    private async Task CopyBridgeVolumeAsync(BackupSetWriter set, Bridge bridge, ContainerInfo container, CancellationToken cancellationToken)
    {
        var paused = false;
        try
        {
            if (container.IsRunning)
            {
                await docker.PauseAsync(container.Id, cancellationToken);
                paused = true;
            }

            await set.WriteAsync(BridgeTar(bridge.CatalogId), "bridges", async output =>
                await docker.ReadArchiveAsync(container.Id, "/data", input => input.CopyToAsync(output, cancellationToken), cancellationToken), cancellationToken);
        }
        finally
        {
            if (paused)
            {
                // Even when the copy failed or was cancelled: a bridge left frozen is a bridge down.
                await docker.UnpauseAsync(container.Id, CancellationToken.None);
            }
        }
    }

    private async Task DumpAsync(BackupSetWriter set, string path, string kind, string database, OperationContext progress, CancellationToken cancellationToken)
    {
        ExecResult? result = null;
        await set.WriteAsync(path, kind, async output =>
        {
            using var counting = new ProgressStream(output, n => progress.Progress("database", null, $"Dumping {database}: {new ByteSize(n)}"));
            result = await docker.ExecAsync(names.Postgres, PostgresCommands.Dump(database), counting, cancellationToken);
        }, cancellationToken);
        if (result!.ExitCode != 0)
        {
            throw new DomainException($"pg_dump of {database} failed: {result.StandardError.Trim()}");
        }
    }

    /// <summary>SQLite's online backup (Python's sqlite3 in the Synapse container), so that the copy is consistent while Synapse writes.</summary>
    private async Task SqliteSnapshotAsync(BackupSetWriter set, OperationContext progress, CancellationToken cancellationToken)
    {
        var running = await docker.InspectAsync(names.Synapse, cancellationToken) is { IsRunning: true };
        var source = "/data/homeserver.db";
        if (running)
        {
            var snapshot = await docker.ExecAsync(names.Synapse,
                ["python3", "-c", $"import sqlite3; s = sqlite3.connect('{source}'); d = sqlite3.connect('{SqliteSnapshot}'); s.backup(d); d.close(); s.close()"], null, cancellationToken);
            if (snapshot.ExitCode != 0)
            {
                throw new DomainException($"SQLite's online backup failed: {snapshot.StandardError.Trim()}");
            }

            source = SqliteSnapshot;
        }

        try
        {
            await set.WriteAsync(HomeserverSqlite, "homeserver database", async output =>
                await docker.ReadArchiveAsync(names.Synapse, source, async input =>
                {
                    await using var tar = new TarReader(input);
                    var entry = await tar.GetNextEntryAsync(copyData: false, cancellationToken) ?? throw new DomainException("The homeserver's database file is empty.");
                    await entry.DataStream!.CopyToAsync(output, cancellationToken);
                }, cancellationToken), cancellationToken);
        }
        finally
        {
            if (running)
            {
                await docker.ExecAsync(names.Synapse, ["rm", "-f", SqliteSnapshot], null, CancellationToken.None);
            }
        }

        progress.Progress("database", null, "SQLite copied.");
    }

    /// <summary>
    /// Reads Synapse's volume once, as a tar stream, and splits it: the media store into one archive,
    /// the config, signing key and appservice registrations into another. The database files are left
    /// out: they were copied consistently above.
    /// </summary>
    private async Task SplitSynapseVolumeAsync(BackupSetWriter set, OperationContext progress, CancellationToken cancellationToken)
    {
        // The tar writer needs seekable files for entries it cannot measure ahead: both archives are
        // written next to the set, then added to it (moved, or encrypted).
        var configPath = Path.Combine(set.Directory, "config.tar.part");
        var mediaPath = Path.Combine(set.Directory, "media.tar.part");
        var mediaCount = 0;
        long mediaBytes = 0;
        try
        {
            await using (var configFile = File.Create(configPath))
            await using (var mediaFile = File.Create(mediaPath))
            {
                await using var media = new TarWriter(mediaFile, TarEntryFormat.Pax, leaveOpen: true);
                await using var config = new TarWriter(configFile, TarEntryFormat.Pax, leaveOpen: true);
                await docker.ReadArchiveAsync(names.Synapse, SynapseConfig.DataDirectory, async input =>
                {
                    await using var tar = new TarReader(input);
                    while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
                    {
                        var name = entry.Name.TrimEnd('/');
                        if (name.StartsWith("data/homeserver.db", StringComparison.Ordinal) || name.StartsWith("data/.panel-backup", StringComparison.Ordinal) || name == "data/homeserver.pid")
                        {
                            continue;
                        }

                        if (name == "data/media_store" || name.StartsWith("data/media_store/", StringComparison.Ordinal))
                        {
                            await media.WriteEntryAsync(entry, cancellationToken);
                            mediaCount++;
                            mediaBytes += entry.Length;
                            if (mediaCount % 50 == 0)
                            {
                                progress.Progress("files", null, $"Media: {mediaCount} files, {new ByteSize(mediaBytes)}");
                            }
                        }
                        else
                        {
                            await config.WriteEntryAsync(entry, cancellationToken);
                        }
                    }
                }, cancellationToken);
            }

            await set.AddFileAsync(MediaTar, "media", mediaPath, cancellationToken);
            await set.AddFileAsync(SynapseConfigTar, "config", configPath, cancellationToken);
        }
        finally
        {
            File.Delete(configPath);
            File.Delete(mediaPath);
        }
    }

    private async Task WritePanelAsync(BackupSetWriter set, HomeserverDeployment d, List<string> notes, CancellationToken cancellationToken)
    {
        var temp = Directory.CreateTempSubdirectory("panel-backup-");
        try
        {
            // The homeserver's and bridges' records, in a small SQLite file that any panel can read:
            // a restore (here or on another machine) rebuilds the homeserver from them.
            var recordsPath = Path.Combine(temp.FullName, "records.db");
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                var records = new List<object> { await db.Homeservers.AsNoTracking().SingleAsync(cancellationToken) };
                records.AddRange(await db.Bridges.AsNoTracking().Where(b => b.Phase == BridgePhase.Installed).ToListAsync(cancellationToken));
                await PanelDatabaseCopies.WriteRecordsAsync(recordsPath, records, cancellationToken);
            }

            await CopyFileAsync(set, Records, "panel", recordsPath, cancellationToken);

            var fullPath = Path.Combine(temp.FullName, "panel-copy");
            if (await panelDatabase.CopyAllAsync(fullPath, notes.Add, cancellationToken))
            {
                await CopyFileAsync(set, panelDatabase.IsSqlite ? PanelDatabaseSqlite : PanelDatabaseDump, "panel", fullPath, cancellationToken);
            }

            // The secrets in the records are encrypted with these keys: without them a restore on
            // another machine could not read them. They make the backup as sensitive as the data
            // directory; encrypt backups that leave the machine.
            foreach (var key in Directory.EnumerateFiles(SecurityExtensions.KeysDirectory(panel.Value), "*.xml"))
            {
                await CopyFileAsync(set, KeysPrefix + Path.GetFileName(key), "panel", key, cancellationToken);
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }

        _ = d;
    }

    private static Task CopyFileAsync(BackupSetWriter set, string path, string kind, string source, CancellationToken cancellationToken) =>
        set.WriteAsync(path, kind, async output =>
        {
            await using var input = File.OpenRead(source);
            await input.CopyToAsync(output, cancellationToken);
        }, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backup written to {Directory}: {Bytes} bytes")]
    private static partial void LogWritten(ILogger logger, string directory, long bytes);
}

/// <summary>Counts what goes through, and reports every few megabytes.</summary>
internal sealed class ProgressStream(Stream inner, Action<long> report) : Stream
{
    private long _written;
    private long _reported;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        inner.Write(buffer, offset, count);
        Count(count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        Count(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Count(int n)
    {
        _written += n;
        if (_written - _reported >= 4 << 20)
        {
            _reported = _written;
            report(_written);
        }
    }
}
