using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Security;
using Panel.Domain.Common;

namespace Panel.Infrastructure.Backups;

/// <summary>
/// Passphrase encryption of backup files in the OpenPGP format (RFC 4880/9580), with Bouncy Castle:
/// AES-256, an integrity-protected packet (a corrupted or tampered file fails to decrypt), and an
/// iterated and salted S2K with SHA-256 for the key. It is what <c>gpg --symmetric</c> writes, so a
/// backup can be opened without the panel: <c>gpg --decrypt media.tar.gpg &gt; media.tar</c>.
/// </summary>
public static class BackupEncryption
{
    public const string Scheme = "openpgp-symmetric";
    public const string Extension = ".gpg";

    // gpg's strongest standard count (65011712 hash iterations): the passphrase is the only secret.
    private const int S2KCount = 0xff;

    /// <summary>Returns a stream that encrypts what is written to it into <paramref name="output"/>; dispose it to finish.</summary>
    public static Stream Encrypt(Stream output, string passphrase, string fileName)
    {
        var generator = new PgpEncryptedDataGenerator(SymmetricKeyAlgorithmTag.Aes256, withIntegrityPacket: true, new SecureRandom());
        generator.AddMethod(passphrase.ToCharArray(), HashAlgorithmTag.Sha256, S2KCount);
        var encrypted = generator.Open(new NonClosing(output), new byte[1 << 16]);
        var literal = new PgpLiteralDataGenerator();
        var plain = literal.Open(encrypted, PgpLiteralData.Binary, fileName, DateTime.UtcNow, new byte[1 << 16]);
        return new Chain(plain, literal, generator, encrypted);
    }

    /// <summary>
    /// Decrypts into <paramref name="output"/>, checking the integrity packet at the end. Throws
    /// <see cref="DomainException"/> with a clear message for a wrong passphrase or a damaged file.
    /// </summary>
    public static async Task DecryptAsync(Stream input, Stream output, string passphrase, CancellationToken cancellationToken)
    {
        try
        {
            var factory = new PgpObjectFactory(PgpUtilities.GetDecoderStream(input));
            var list = factory.NextPgpObject() as PgpEncryptedDataList ?? factory.NextPgpObject() as PgpEncryptedDataList
                ?? throw new DomainException("This file is not an OpenPGP encrypted file.");
            var data = list.GetEncryptedDataObjects().OfType<PgpPbeEncryptedData>().FirstOrDefault()
                ?? throw new DomainException("This file is not encrypted with a passphrase.");
            Stream clear;
            try
            {
                clear = data.GetDataStream(passphrase.ToCharArray());
            }
            catch (PgpException)
            {
                throw new DomainException("The passphrase is wrong.");
            }

            var inner = new PgpObjectFactory(clear);
            var next = inner.NextPgpObject();
            if (next is PgpCompressedData compressed)
            {
                next = new PgpObjectFactory(compressed.GetDataStream()).NextPgpObject();
            }

            if (next is not PgpLiteralData literal)
            {
                throw new DomainException("The encrypted file holds no data.");
            }

            await literal.GetInputStream().CopyToAsync(output, cancellationToken);
            if (data.IsIntegrityProtected() && !data.Verify())
            {
                throw new DomainException("The encrypted file is damaged: its integrity check failed.");
            }
        }
        catch (Exception e) when (e is PgpException or IOException or InvalidOperationException)
        {
            throw new DomainException($"The encrypted file cannot be read: a wrong passphrase or a damaged file ({e.Message}).", e);
        }
    }

    /// <summary>Whether the passphrase opens the file (reads it all, so the integrity check runs).</summary>
    public static async Task<bool> CanDecryptAsync(string path, string passphrase, CancellationToken cancellationToken)
    {
        try
        {
            await using var input = File.OpenRead(path);
            await DecryptAsync(input, Stream.Null, passphrase, cancellationToken);
            return true;
        }
        catch (DomainException)
        {
            return false;
        }
    }

    public static string Describe => "OpenPGP (RFC 9580) symmetric encryption: AES-256 with an integrity packet, key from the passphrase by iterated and salted SHA-256";

    /// <summary>Writes to the literal data stream; disposing closes the OpenPGP packets in order, but not the file.</summary>
    private sealed class Chain(Stream plain, PgpLiteralDataGenerator literal, PgpEncryptedDataGenerator generator, Stream encrypted) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => plain.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => plain.Write(buffer, offset, count);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            plain.Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            plain.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // Closing each stream ends its packet: the literal data first, then the encrypted
                // packet with its integrity check.
                plain.Dispose();
                encrypted.Dispose();
                _ = literal;
                _ = generator;
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Keeps Bouncy Castle from closing the file underneath the caller.</summary>
    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Flush();
            }

            base.Dispose(disposing);
        }
    }
}
