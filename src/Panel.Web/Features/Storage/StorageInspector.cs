using System.Globalization;
using Panel.Domain.Containers;
using Panel.Domain.Homeserver;
using Panel.Domain.Storage;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Storage;

public sealed record RoomBytes(string RoomId, long Bytes);

public sealed record MediaStore(long LocalFiles, long LocalBytes, long RemoteFiles, long RemoteBytes, DateTimeOffset? RemoteOldest, DateTimeOffset? RemoteLeastRecentlyUsed);

/// <summary>
/// Reads what the homeserver's database and media store hold, from the database itself: its catalog
/// on PostgreSQL (pg_total_relation_size: table, indexes and TOAST), the dbstat table on SQLite (every
/// page, counted), and Synapse's own media tables. Nothing here writes.
/// </summary>
public sealed class StorageInspector(SynapseDatabase database, IContainerRuntime docker, HomeserverNames names)
{
    public const int TableCount = 15;
    public const string MediaStorePath = "/data/media_store";

    public Task<long> DatabaseSizeAsync(HomeserverDeployment d, CancellationToken cancellationToken) => database.SizeAsync(d, cancellationToken);

    /// <summary>The largest tables, biggest first (<paramref name="limit"/> of them: the page shows <see cref="TableCount"/>, a vacuum takes all).</summary>
    public async Task<IReadOnlyList<DatabaseTable>> TablesAsync(HomeserverDeployment d, CancellationToken cancellationToken, int limit = TableCount)
    {
        if (d.Database == HomeserverDatabase.Postgres)
        {
            // reltuples is the planner's estimate, -1 before the first ANALYZE; the statistics
            // collector's live-row count stands in until then.
            var rows = await database.QueryAsync(d, $"""
                SELECT c.relname, pg_total_relation_size(c.oid), COALESCE(NULLIF(c.reltuples, -1)::bigint, s.n_live_tup)
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
                WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'
                ORDER BY 2 DESC, 1 LIMIT {limit}
                """, cancellationToken);
            return rows.Select(r => new DatabaseTable(r[0], SynapseDatabase.Number(r[1]), SynapseDatabase.NumberOrNull(r[2]))).ToList();
        }

        var sizes = await database.QueryAsync(d, $"""
            SELECT s.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_schema s ON s.name = d.name
            WHERE s.type IN ('table', 'index') GROUP BY s.tbl_name ORDER BY 2 DESC, 1 LIMIT {limit}
            """, cancellationToken);
        // Exact counts: SQLite has no estimate, and counting the few largest tables is one index scan each.
        var counts = sizes.Count == 0 ? [] : await database.QueryAsync(d,
            string.Join(" UNION ALL ", sizes.Select(r => $"SELECT '{r[0]}', COUNT(*) FROM \"{r[0]}\"")), cancellationToken);
        var rowsByTable = counts.ToDictionary(r => r[0], r => SynapseDatabase.Number(r[1]), StringComparer.Ordinal);
        return sizes.Select(r => new DatabaseTable(r[0], SynapseDatabase.Number(r[1]), rowsByTable.TryGetValue(r[0], out var n) ? n : null)).ToList();
    }

    /// <summary>
    /// The largest rooms by the bytes of their events' JSON, where Synapse cannot estimate (SQLite, or a
    /// PostgreSQL without statistics yet): the event bodies are most of a room's own share.
    /// </summary>
    public async Task<IReadOnlyList<RoomBytes>> RoomEstimatesAsync(HomeserverDeployment d, int limit, CancellationToken cancellationToken) =>
        (await database.QueryAsync(d, $"SELECT room_id, SUM(LENGTH(json)) FROM event_json GROUP BY room_id ORDER BY 2 DESC LIMIT {limit}", cancellationToken))
        .Select(r => new RoomBytes(r[0], SynapseDatabase.Number(r[1]))).ToList();

    /// <summary>The bytes of these rooms' event JSON (rooms with none are left out).</summary>
    public async Task<IReadOnlyDictionary<string, long>> RoomBytesAsync(HomeserverDeployment d, IReadOnlyCollection<string> roomIds, CancellationToken cancellationToken)
    {
        if (roomIds.Count == 0)
        {
            return new Dictionary<string, long>();
        }

        var list = string.Join(", ", roomIds.Select(SynapseDatabase.Literal));
        return (await database.QueryAsync(d, $"SELECT room_id, SUM(LENGTH(json)) FROM event_json WHERE room_id IN ({list}) GROUP BY room_id", cancellationToken))
            .ToDictionary(r => r[0], r => SynapseDatabase.Number(r[1]), StringComparer.Ordinal);
    }

    public async Task<MediaStore> MediaAsync(HomeserverDeployment d, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(d, """
            SELECT COUNT(*), COALESCE(SUM(media_length), 0), NULL, NULL FROM local_media_repository
            UNION ALL
            SELECT COUNT(*), COALESCE(SUM(media_length), 0), MIN(created_ts), MIN(last_access_ts) FROM remote_media_cache
            """, cancellationToken);
        return new MediaStore(SynapseDatabase.Number(rows[0][0]), SynapseDatabase.Number(rows[0][1]),
            SynapseDatabase.Number(rows[1][0]), SynapseDatabase.Number(rows[1][1]), Time(rows[1][2]), Time(rows[1][3]));
    }

    /// <summary>What remote media would go if purged before this time: files and bytes (Synapse's own records).</summary>
    public async Task<(long Files, long Bytes)> RemoteMediaBeforeAsync(HomeserverDeployment d, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var row = (await database.QueryAsync(d,
            $"SELECT COUNT(*), COALESCE(SUM(media_length), 0) FROM remote_media_cache WHERE last_access_ts < {before.ToUnixTimeMilliseconds()} AND quarantined_by IS NULL",
            cancellationToken))[0];
        return (SynapseDatabase.Number(row[0]), SynapseDatabase.Number(row[1]));
    }

    /// <summary>Bytes on disk under each folder of the media store (local_content, remote_content, thumbnails, ...).</summary>
    public async Task<IReadOnlyDictionary<string, long>> MediaFoldersAsync(CancellationToken cancellationToken)
    {
        var result = await docker.ExecAsync(names.Synapse, ["sh", "-c", $"cd {MediaStorePath} 2>/dev/null && du -sb -- * 2>/dev/null || true"], null, cancellationToken);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[1].Trim(), p => SynapseDatabase.Number(p[0]), StringComparer.Ordinal);
    }

    /// <summary>The background updates still queued in the database, in the order Synapse runs them.</summary>
    public async Task<IReadOnlyList<string>> PendingBackgroundUpdatesAsync(HomeserverDeployment d, CancellationToken cancellationToken) =>
        (await database.QueryAsync(d, "SELECT update_name FROM background_updates ORDER BY ordering, update_name", cancellationToken)).Select(r => r[0]).ToList();

    private static DateTimeOffset? Time(string millis) =>
        long.TryParse(millis, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) && ms > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
