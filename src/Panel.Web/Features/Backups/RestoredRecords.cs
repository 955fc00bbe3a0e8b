using Microsoft.EntityFrameworkCore;
using Panel.Domain.Backups;
using Panel.Domain.Bridges;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Backups;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Security;

namespace Panel.Web.Features.Backups;

/// <summary>
/// The panel records a backup set carries (the homeserver and its bridges), read from its SQLite
/// copy, with their secrets re-encrypted from the keys of the panel that made the set to this one's.
/// </summary>
public sealed class RestoredRecords(ISecretProtector secrets)
{
    public async Task<(HomeserverDeployment Homeserver, List<Bridge> Bridges)> ReadAsync(BackupSetReader reader, BackupManifest manifest, string? passphrase, CancellationToken cancellationToken)
    {
        var recordsFile = BackupSetReader.Find(manifest, BackupWriter.Records) ?? throw new DomainException("The backup has no homeserver records.");
        var temp = Directory.CreateTempSubdirectory("panel-restore-");
        try
        {
            var recordsPath = Path.Combine(temp.FullName, "records.db");
            await using (var output = File.Create(recordsPath))
            {
                await reader.CopyClearAsync(recordsFile, passphrase, output, cancellationToken);
            }

            HomeserverDeployment deployment;
            List<Bridge> bridges;
            await using (var db = await PanelDatabaseCopies.OpenRecordsAsync(recordsPath, cancellationToken))
            {
                deployment = await db.Homeservers.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? throw new DomainException("The backup's records hold no homeserver.");
                bridges = await db.Bridges.AsNoTracking().ToListAsync(cancellationToken);
            }

            // The secrets in the records were encrypted by the panel that made the backup: read them
            // with its keys (from the set) and encrypt them again with this panel's own.
            var keysDirectory = Directory.CreateDirectory(Path.Combine(temp.FullName, "keys"));
            foreach (var key in manifest.Files.Where(f => f.Path.StartsWith(BackupWriter.KeysPrefix, StringComparison.Ordinal)))
            {
                var name = Path.GetFileName(key.Path.EndsWith(BackupEncryption.Extension, StringComparison.Ordinal) ? key.Path[..^BackupEncryption.Extension.Length] : key.Path);
                await using var output = File.Create(Path.Combine(keysDirectory.FullName, name));
                await reader.CopyClearAsync(key, passphrase, output, cancellationToken);
            }

            var theirs = SecretProtectors.FromKeyRing(keysDirectory);
            try
            {
                Reprotect(deployment, theirs);
                foreach (var bridge in bridges)
                {
                    Reprotect(bridge, theirs);
                }
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new DomainException("The backup's secrets cannot be read with the keys it carries: the set is incomplete or from an incompatible panel.", e);
            }

            if (deployment.Mode != HomeserverMode.Managed)
            {
                throw new DomainException("The backup is of an attached homeserver, which the panel does not run: there is nothing to restore.");
            }

            return (deployment, bridges);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>Every string property named *Protected is a secret: read it with their keys, store it with ours.</summary>
    private void Reprotect(object entity, ISecretProtector theirs)
    {
        foreach (var property in entity.GetType().GetProperties().Where(p => p.PropertyType == typeof(string) && p.Name.EndsWith("Protected", StringComparison.Ordinal)))
        {
            if (property.GetValue(entity) is string value)
            {
                property.SetValue(entity, secrets.Protect(theirs.Unprotect(value)));
            }
        }
    }
}
