using System.Text;
using Panel.Domain.Backups;
using Panel.Domain.Common;
using Panel.Infrastructure.Backups;
using Panel.Testing;

namespace Panel.Infrastructure.Tests.Backups;

public sealed class BackupSetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_encrypted_file_decrypts_with_its_passphrase_only()
    {
        var clear = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("the homeserver's signing key and more. ", 5000)));
        using var encrypted = new MemoryStream();
        await using (var writer = BackupEncryption.Encrypt(encrypted, "a long enough passphrase", "key.txt"))
        {
            await writer.WriteAsync(clear, Ct);
        }

        encrypted.ToArray().AsSpan().IndexOf("signing key"u8).ShouldBe(-1, "nothing of the content is in clear");
        using var decrypted = new MemoryStream();
        await BackupEncryption.DecryptAsync(new MemoryStream(encrypted.ToArray()), decrypted, "a long enough passphrase", Ct);
        decrypted.ToArray().ShouldBe(clear);

        var wrong = await Should.ThrowAsync<DomainException>(() => BackupEncryption.DecryptAsync(new MemoryStream(encrypted.ToArray()), Stream.Null, "another passphrase!", Ct));
        wrong.Message.ShouldContain("passphrase");
    }

    [Fact]
    public async Task A_tampered_encrypted_file_fails_its_integrity_check()
    {
        using var encrypted = new MemoryStream();
        await using (var writer = BackupEncryption.Encrypt(encrypted, "a long enough passphrase", "x"))
        {
            await writer.WriteAsync(new byte[100_000], Ct);
        }

        var bytes = encrypted.ToArray();
        bytes[bytes.Length / 2] ^= 1;
        await Should.ThrowAsync<DomainException>(() => BackupEncryption.DecryptAsync(new MemoryStream(bytes), Stream.Null, "a long enough passphrase", Ct));
    }

    [Fact]
    public async Task Gpg_decrypts_what_the_panel_encrypts()
    {
        var dir = TestEnvironment.NewTempDirectory("gpg-interop");
        var path = Path.Combine(dir, "note.txt.gpg");
        await using (var file = File.Create(path))
        await using (var writer = BackupEncryption.Encrypt(file, "a long enough passphrase", "note.txt"))
        {
            await writer.WriteAsync("hello from the panel"u8.ToArray(), Ct);
        }

        var (exit, output) = await ProcessRunner.RunAsync("gpg", "--batch", "--quiet", "--pinentry-mode", "loopback", "--passphrase", "a long enough passphrase",
            "--homedir", TestEnvironment.NewTempDirectory("gnupg"), "--decrypt", path);
        exit.ShouldBe(0, output);
        output.ShouldContain("hello from the panel");
    }

    [Fact]
    public async Task The_reader_finds_every_missing_changed_or_truncated_file_before_a_restore()
    {
        var dir = TestEnvironment.NewTempDirectory("backup-set");
        var writer = new BackupSetWriter(dir, passphrase: null);
        foreach (var name in new[] { "a.bin", "b/c.bin", "d.bin" })
        {
            await writer.WriteAsync(name, "media", s => s.WriteAsync(new byte[1000 + name.Length], Ct).AsTask(), Ct);
        }

        var manifest = await writer.WriteManifestAsync(new BackupManifest { Id = Guid.NewGuid(), ServerName = "example.org" }, Ct);
        var reader = new BackupSetReader(dir);
        await reader.VerifyAsync(await reader.ReadManifestAsync(Ct), null, Ct);

        File.Delete(Path.Combine(dir, "a.bin"));
        await File.WriteAllBytesAsync(Path.Combine(dir, "b", "c.bin"), new byte[1000 + "b/c.bin".Length].Select(_ => (byte)1).ToArray(), Ct);
        await File.WriteAllBytesAsync(Path.Combine(dir, "d.bin"), new byte[10], Ct);
        var error = await Should.ThrowAsync<DomainException>(() => reader.VerifyAsync(manifest, null, Ct));
        error.Message.ShouldContain("a.bin is missing");
        error.Message.ShouldContain("b/c.bin does not match its checksum");
        error.Message.ShouldContain("d.bin has 10 bytes");
    }

    [Fact]
    public async Task A_set_without_a_manifest_or_with_a_broken_one_is_refused()
    {
        var dir = TestEnvironment.NewTempDirectory("backup-set");
        (await Should.ThrowAsync<DomainException>(() => new BackupSetReader(dir).ReadManifestAsync(Ct))).Message.ShouldContain("no manifest");
        await File.WriteAllTextAsync(Path.Combine(dir, BackupManifest.FileName), "{ not json", Ct);
        (await Should.ThrowAsync<DomainException>(() => new BackupSetReader(dir).ReadManifestAsync(Ct))).Message.ShouldContain("damaged");
    }
}
