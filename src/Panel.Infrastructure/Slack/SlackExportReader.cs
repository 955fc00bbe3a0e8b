using System.IO.Compression;
using System.Text.Json;
using Panel.Domain.Common;
using Panel.Domain.History;

namespace Panel.Infrastructure.Slack;

/// <summary>
/// Reads a Slack export ZIP from a file on disk, entry by entry: exports run to gigabytes, so
/// nothing but one day of one channel is in memory at a time. Opening it checks it first: a ZIP
/// that is cut short, a path that climbs out of the export, sizes that cannot be true (a zip bomb),
/// or a ZIP without the export's users and channels are refused with a message that says which.
/// </summary>
public sealed partial class SlackExportReader : IDisposable
{
    /// <summary>The most an export may declare, unpacked.</summary>
    public const long MaxUnpackedBytes = 64L * 1024 * 1024 * 1024;

    /// <summary>A large entry that claims to unpack to more than this many times its packed size is a bomb, not JSON.</summary>
    public const double MaxRatio = 250;

    private const long MaxJsonBytes = 512L * 1024 * 1024;

    private readonly FileStream _file;
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;
    private readonly Dictionary<string, string> _filesById;

    private SlackExportReader(FileStream file, ZipArchive zip)
    {
        _file = file;
        _zip = zip;
        _entries = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToDictionary(e => e.FullName.Replace('\\', '/'), StringComparer.Ordinal);
        _filesById = IndexFiles(_entries.Keys);
        People = ReadPeople();
        Channels = ReadChannels();
    }

    public IReadOnlyList<SlackPerson> People { get; }

    public IReadOnlyList<SlackChannel> Channels { get; }

    public static SlackExportReader Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        try
        {
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw new DomainException($"This is not a ZIP file, or it was cut short while uploading ({e.Message}). Download the export from Slack again and upload the whole file.");
            }

            Check(zip);
            return new SlackExportReader(file, zip);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Refuses what no honest export holds, before a byte of it is unpacked.</summary>
    private static void Check(ZipArchive zip)
    {
        long total = 0;
        foreach (var e in zip.Entries)
        {
            var name = e.FullName.Replace('\\', '/');
            if (name.StartsWith('/') || name.Contains(':', StringComparison.Ordinal) || name.Split('/').Any(part => part == ".."))
            {
                throw new DomainException($"The ZIP holds a path that climbs out of the export ({e.FullName}): it is refused, and nothing was written.");
            }

            total += e.Length;
            if (e.Length > 16 * 1024 * 1024 && e.Length > e.CompressedLength * MaxRatio)
            {
                throw new DomainException($"The ZIP claims that {e.FullName} unpacks to {new ByteSize(e.Length)} from {new ByteSize(e.CompressedLength)}: no export is like that (it looks like a zip bomb), so it is refused.");
            }
        }

        if (total > MaxUnpackedBytes)
        {
            throw new DomainException($"The ZIP unpacks to {new ByteSize(total)}, more than the {new ByteSize(MaxUnpackedBytes)} an export may: it is refused.");
        }

        var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        if (!names.Contains("users.json") || !(names.Contains("channels.json") || names.Contains("groups.json") || names.Contains("dms.json") || names.Contains("mpims.json")))
        {
            throw new DomainException("This ZIP is not a Slack export: a workspace export has users.json and channels.json at its top. In Slack: Workspace settings → Import/Export Data → Export.");
        }
    }

    /// <summary>A channel's messages, day by day and in the order they were sent.</summary>
    public IEnumerable<SlackMessage> Messages(SlackChannel channel)
    {
        var prefix = channel.Folder + "/";
        var days = _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && DayFile().IsMatch(k[prefix.Length..])).Order(StringComparer.Ordinal);
        foreach (var day in days)
        {
            using var doc = ReadJson(day);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new DomainException($"{day} is not a list of messages, as a Slack export's day files are.");
            }

            var messages = doc.RootElement.EnumerateArray().Select(ToMessage).Where(m => m is not null).Select(m => m!).OrderBy(m => m.Time).ThenBy(m => m.Ts, StringComparer.Ordinal).ToList();
            foreach (var m in messages)
            {
                yield return m;
            }
        }
    }

    /// <summary>A file of the export, for reading once; throws when the export holds only a link to it.</summary>
    public Stream OpenFile(SlackFile file) =>
        file.EntryName is { } name && _entries.TryGetValue(name, out var entry) ? entry.Open() : throw new DomainException($"The export has only a link to {file.Name}.");

    public SlackPreview Preview(string workspace)
    {
        var channels = new List<SlackChannelPreview>();
        foreach (var c in Channels)
        {
            int messages = 0, threads = 0, files = 0, missing = 0;
            DateTimeOffset? from = null, to = null;
            foreach (var m in Messages(c))
            {
                if (m.IsHousekeeping)
                {
                    continue;
                }

                messages++;
                threads += m.ThreadTs == m.Ts ? 1 : 0;
                files += m.Files.Count;
                missing += m.Files.Count(f => !f.Present);
                from ??= m.Time;
                to = m.Time;
            }

            channels.Add(new SlackChannelPreview(c.Id, c.Name, c.Kind, messages, threads, files, missing, from, to, c.Topic ?? c.Purpose));
        }

        var notComing = new List<string>();
        if (channels.Sum(c => c.FilesMissing) is > 0 and var links)
        {
            notComing.Add($"{links} file(s) are only links to Slack in this export: their messages come across with the file's name, not the file.");
        }

        notComing.Add("Edits come across as the final text, without their history; deleted messages are not in the export.");
        if (People.Any(p => p.Bot))
        {
            notComing.Add("Bots' messages come across as their ghosts' messages; their buttons and attachments do not.");
        }

        return new SlackPreview(workspace, channels, People.Count(p => !p.Bot), People.Count(p => p.Bot), People.Count(p => p.Deleted),
            channels.Min(c => c.From), channels.Max(c => c.To), channels.Sum(c => c.Messages), channels.Sum(c => c.Files), channels.Sum(c => c.FilesMissing), notComing);
    }

    public void Dispose()
    {
        _zip.Dispose();
        _file.Dispose();
    }
}
