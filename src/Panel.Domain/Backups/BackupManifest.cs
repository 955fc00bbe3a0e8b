using Panel.Domain.Common;

namespace Panel.Domain.Backups;

/// <summary>One file of a backup set, with the SHA-256 of the bytes on disk.</summary>
public sealed record BackupFile(string Path, long Size, string Sha256, string Kind);

/// <summary>
/// What a backup set holds, written last as manifest.json. A restore checks every file against it
/// before it touches anything.
/// </summary>
public sealed record BackupManifest
{
    public const int CurrentFormat = 1;
    public const string FileName = "manifest.json";

    public int Format { get; init; } = CurrentFormat;

    public Guid Id { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public string ServerName { get; init; } = "";

    /// <summary>postgres or sqlite: how the homeserver's database is stored in the set.</summary>
    public string Database { get; init; } = "";

    public string SynapseImage { get; init; } = "";

    /// <summary>Null when not encrypted; otherwise the scheme ("openpgp-symmetric": RFC 9580 files, AES-256, iterated and salted S2K).</summary>
    public string? Encryption { get; init; }

    public IReadOnlyList<BackupFile> Files { get; init; } = [];

    public bool Encrypted => Encryption is not null;

    public long TotalSize => Files.Sum(f => f.Size);

    /// <summary>Checks the shape (not the files): known format, safe relative paths, no duplicates.</summary>
    public void Validate()
    {
        if (Format != CurrentFormat)
        {
            throw new DomainException($"This backup has format {Format}; this panel reads format {CurrentFormat}.");
        }

        if (string.IsNullOrWhiteSpace(ServerName) || Files.Count == 0)
        {
            throw new DomainException("The backup's manifest is incomplete.");
        }

        foreach (var f in Files)
        {
            if (string.IsNullOrWhiteSpace(f.Path) || f.Path.StartsWith('/') || f.Path.Contains('\\', StringComparison.Ordinal)
                || f.Path.Split('/').Any(p => p is "" or "." or ".."))
            {
                throw new DomainException($"The backup's manifest names an unsafe path: {f.Path}");
            }

            if (f.Sha256.Length != 64 || f.Size < 0)
            {
                throw new DomainException($"The backup's manifest has a malformed entry for {f.Path}.");
            }
        }

        if (Files.Select(f => f.Path).Distinct(StringComparer.Ordinal).Count() != Files.Count)
        {
            throw new DomainException("The backup's manifest lists a file twice.");
        }
    }

    public string Describe()
    {
        var parts = new List<string>();
        foreach (var group in Files.GroupBy(f => f.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            parts.Add($"{group.Key} ({new ByteSize(group.Sum(f => f.Size))})");
        }

        return string.Join(", ", parts) + (Encrypted ? "; encrypted" : "");
    }
}
