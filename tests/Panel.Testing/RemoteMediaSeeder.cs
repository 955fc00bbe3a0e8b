using System.Globalization;

namespace Panel.Testing;

/// <summary>
/// Remote-looking media for a homeserver that has no federation peer here: rows in Synapse's
/// remote_media_cache and files where Synapse keeps other servers' media
/// (remote_content/&lt;origin&gt;/ab/cd/rest, owned by Synapse's user), exactly as Synapse writes a fetched
/// file. Synapse's own purge then finds and deletes them as it would real ones.
/// </summary>
public static class RemoteMediaSeeder
{
    public const string Origin = "far.example.org";

    public sealed record Seeded(string MediaId, string FileId, long Bytes, DateTimeOffset LastAccess)
    {
        public string Path => $"/data/media_store/remote_content/{Origin}/{FileId[..2]}/{FileId[2..4]}/{FileId[4..]}";
    }

    public static async Task<IReadOnlyList<Seeded>> SeedAsync(HomeserverPanel panel, bool postgres, params (long Bytes, DateTimeOffset LastAccess)[] files)
    {
        var seeded = files.Select(f => new Seeded("m" + Guid.NewGuid().ToString("N")[..20], Guid.NewGuid().ToString("N")[..24], f.Bytes, f.LastAccess)).ToList();
        var owner = (await DockerTestHelper.ExecAsync(panel.SynapseContainer, "stat", "-c", "%u:%g", "/data/media_store")).Trim();
        foreach (var s in seeded)
        {
            var dir = s.Path[..s.Path.LastIndexOf('/')];
            await DockerTestHelper.ExecAsync(panel.SynapseContainer, "sh", "-c",
                $"mkdir -p {dir} && head -c {s.Bytes} /dev/urandom > {s.Path} && chown -R {owner} /data/media_store/remote_content");
        }

        var values = string.Join(", ", seeded.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"('{Origin}', '{s.MediaId}', 'image/png', {s.LastAccess.ToUnixTimeMilliseconds()}, 'far.png', {s.Bytes}, '{s.FileId}', {s.LastAccess.ToUnixTimeMilliseconds()})")));
        var sql = "INSERT INTO remote_media_cache (media_origin, media_id, media_type, created_ts, upload_name, media_length, filesystem_id, last_access_ts) VALUES " + values;
        if (postgres)
        {
            await DockerTestHelper.ExecAsync(panel.PostgresContainer, "psql", "-v", "ON_ERROR_STOP=1", "-U", "synapse", "-d", "synapse", "-c", sql);
        }
        else
        {
            await DockerTestHelper.ExecAsync(panel.SynapseContainer, "python3", "-c",
                "import sqlite3, sys; c = sqlite3.connect('/data/homeserver.db', timeout=30); c.execute(sys.argv[1]); c.commit()", sql);
        }

        return seeded;
    }

    public static async Task<bool> ExistsAsync(HomeserverPanel panel, Seeded file) =>
        (await DockerTestHelper.CliAsync("exec", panel.SynapseContainer, "test", "-f", file.Path)).ExitCode == 0;
}
