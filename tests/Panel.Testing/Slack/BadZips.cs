using System.IO.Compression;
using System.Text;

namespace Panel.Testing.Slack;

/// <summary>ZIPs that are not honest Slack exports, for the import's refusals.</summary>
public static class BadZips
{
    public static string NotAnExport(string directory)
    {
        var path = Path.Combine(directory, "holiday-photos.zip");
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        Add(zip, "readme.txt", "These are not Slack messages.");
        return path;
    }

    /// <summary>A real export, cut off part way (as an interrupted download leaves it).</summary>
    public static string Truncated(string directory)
    {
        var whole = SlackExportGenerator.Write(Path.Combine(directory, "whole.zip"), SlackExportGenerator.Shape.Small).Path;
        var bytes = File.ReadAllBytes(whole);
        var path = Path.Combine(directory, "truncated.zip");
        File.WriteAllBytes(path, bytes[..(bytes.Length * 3 / 5)]);
        return path;
    }

    /// <summary>An export with an entry whose path climbs out of it.</summary>
    public static string PathTraversal(string directory)
    {
        var path = Path.Combine(directory, "traversal.zip");
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        Add(zip, "users.json", "[]");
        Add(zip, "channels.json", "[]");
        Add(zip, "../../etc/cron.d/evil", "* * * * * root true");
        return path;
    }

    /// <summary>
    /// A zip bomb's shape: a day file whose header declares about 4 GiB (the most a plain ZIP field
    /// holds) for a body of a few hundred bytes.
    /// </summary>
    public static string Bomb(string directory)
    {
        var path = Path.Combine(directory, "bomb.zip");
        const string name = "general/2024-01-01.json";
        using (var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            Add(zip, "users.json", "[]");
            Add(zip, "channels.json", """[{"id":"C1","name":"general"}]""");
            Add(zip, name, "[" + new string(' ', 64 * 1024) + "]");
        }

        var bytes = File.ReadAllBytes(path);
        var nameBytes = Encoding.ASCII.GetBytes(name);
        // The uncompressed size: 22 bytes into a local file header, 24 into a central directory one.
        Patch(bytes, [0x50, 0x4b, 0x03, 0x04], 26, 22, nameBytes);
        Patch(bytes, [0x50, 0x4b, 0x01, 0x02], 28, 24, nameBytes);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void Patch(byte[] zip, byte[] signature, int nameLengthAt, int sizeAt, byte[] name)
    {
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            if (!zip.AsSpan(i, 4).SequenceEqual(signature))
            {
                continue;
            }

            var headerLength = signature[2] == 0x03 ? 30 : 46;
            var nameLength = BitConverter.ToUInt16(zip, i + nameLengthAt);
            if (nameLength == name.Length && zip.AsSpan(i + headerLength, nameLength).SequenceEqual(name))
            {
                BitConverter.GetBytes(0xFFFF_FF00u).CopyTo(zip, i + sizeAt);
            }
        }
    }

    private static void Add(ZipArchive zip, string name, string text)
    {
        using var stream = zip.CreateEntry(name).Open();
        stream.Write(Encoding.UTF8.GetBytes(text));
    }
}
