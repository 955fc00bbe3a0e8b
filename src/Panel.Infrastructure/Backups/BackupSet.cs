using System.Security.Cryptography;
using System.Text.Json;
using Panel.Domain.Backups;
using Panel.Domain.Common;

namespace Panel.Infrastructure.Backups;

/// <summary>
/// Writes the files of one backup set into its directory: each through a SHA-256 of the bytes on
/// disk and, when a passphrase is set, through OpenPGP encryption. The manifest comes last, so a set
/// without one is incomplete.
/// </summary>
public sealed class BackupSetWriter(string directory, string? passphrase)
{
    private readonly List<BackupFile> _files = [];

    public string Directory { get; } = directory;

    public IReadOnlyList<BackupFile> Files => _files;

    public long TotalSize => _files.Sum(f => f.Size);

    /// <summary>Writes one file; <paramref name="produce"/> writes the clear content into the stream it gets.</summary>
    public async Task<BackupFile> WriteAsync(string relativePath, string kind, Func<Stream, Task> produce, CancellationToken cancellationToken)
    {
        var stored = passphrase is null ? relativePath : relativePath + BackupEncryption.Extension;
        var path = Path.Combine(Directory, stored);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            using var hashing = new HashingStream(file);
            if (passphrase is null)
            {
                await produce(hashing);
            }
            else
            {
                await using var encrypting = BackupEncryption.Encrypt(hashing, passphrase, Path.GetFileName(relativePath));
                await produce(encrypting);
            }

            await hashing.FlushAsync(cancellationToken);
            var entry = new BackupFile(stored.Replace('\\', '/'), hashing.Length, hashing.Hash(), kind);
            _files.Add(entry);
            return entry;
        }
    }

    /// <summary>
    /// Adds a finished file (moved into the set, or encrypted into it and deleted). For the tar
    /// archives that must be written to a seekable file first.
    /// </summary>
    public async Task<BackupFile> AddFileAsync(string relativePath, string kind, string source, CancellationToken cancellationToken)
    {
        if (passphrase is not null)
        {
            var encrypted = await WriteAsync(relativePath, kind, async output =>
            {
                await using var input = File.OpenRead(source);
                await input.CopyToAsync(output, cancellationToken);
            }, cancellationToken);
            File.Delete(source);
            return encrypted;
        }

        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(source, path);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var entry = new BackupFile(relativePath.Replace('\\', '/'), file.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken)), kind);
        _files.Add(entry);
        return entry;
    }

    public async Task<BackupManifest> WriteManifestAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        var complete = manifest with { Files = _files.ToList(), Encryption = passphrase is null ? null : BackupEncryption.Scheme };
        complete.Validate();
        var temp = Path.Combine(Directory, BackupManifest.FileName + ".tmp");
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(complete, BackupJson.Options), cancellationToken);
        File.Move(temp, Path.Combine(Directory, BackupManifest.FileName));
        return complete;
    }
}

/// <summary>Reads a backup set: its manifest, the check of every file, and each file's clear content.</summary>
public sealed class BackupSetReader(string directory)
{
    public string Directory { get; } = directory;

    public static bool HasManifest(string directory) => File.Exists(Path.Combine(directory, BackupManifest.FileName));

    public async Task<BackupManifest> ReadManifestAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Directory, BackupManifest.FileName);
        if (!File.Exists(path))
        {
            throw new DomainException("This backup has no manifest: it is incomplete (it may have failed or still be running).");
        }

        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BackupManifest>(await File.ReadAllTextAsync(path, cancellationToken), BackupJson.Options);
        }
        catch (JsonException e)
        {
            throw new DomainException($"The backup's manifest is damaged: {e.Message}", e);
        }

        manifest = manifest ?? throw new DomainException("The backup's manifest is empty.");
        manifest.Validate();
        return manifest;
    }

    /// <summary>
    /// Checks every file of the manifest: present, the right size, the right SHA-256. Reports each
    /// problem; nothing is read twice when all is well. Runs before a restore touches anything.
    /// </summary>
    public async Task VerifyAsync(BackupManifest manifest, IProgress<(int Done, int Total, string File)>? progress, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var done = 0;
        foreach (var f in manifest.Files)
        {
            progress?.Report((done, manifest.Files.Count, f.Path));
            var path = PathOf(f);
            if (!File.Exists(path))
            {
                problems.Add($"{f.Path} is missing");
            }
            else if (new FileInfo(path).Length != f.Size)
            {
                problems.Add($"{f.Path} has {new FileInfo(path).Length} bytes instead of {f.Size}");
            }
            else
            {
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
                if (!string.Equals(hash, f.Sha256, StringComparison.Ordinal))
                {
                    problems.Add($"{f.Path} does not match its checksum");
                }
            }

            done++;
        }

        if (problems.Count > 0)
        {
            throw new DomainException("The backup is damaged, so nothing was restored: " + string.Join("; ", problems) + ".");
        }
    }

    public string PathOf(BackupFile file) => Path.Combine(Directory, file.Path.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Writes the clear content of a file into <paramref name="output"/> (decrypting when the set is encrypted).</summary>
    public async Task CopyClearAsync(BackupFile file, string? passphrase, Stream output, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(PathOf(file), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        if (file.Path.EndsWith(BackupEncryption.Extension, StringComparison.Ordinal))
        {
            if (string.IsNullOrEmpty(passphrase))
            {
                throw new DomainException("This backup is encrypted: give its passphrase.");
            }

            await BackupEncryption.DecryptAsync(input, output, passphrase, cancellationToken);
        }
        else
        {
            await input.CopyToAsync(output, cancellationToken);
        }
    }

    public static BackupFile? Find(BackupManifest manifest, string relativePath) =>
        manifest.Files.FirstOrDefault(f => f.Path == relativePath || f.Path == relativePath + BackupEncryption.Extension);
}

public static class BackupJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

/// <summary>Passes writes through while counting them and hashing them with SHA-256.</summary>
internal sealed class HashingStream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public string Hash() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _length += buffer.Length;
        inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        _length += buffer.Length;
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
