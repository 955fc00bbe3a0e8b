using Panel.Domain.Common;

namespace Panel.Domain.Bridges;

public enum BridgePhase
{
    Installing = 0,
    Installed = 1,
    Failed = 2,
    Uninstalling = 3,
}

public enum BridgeDatabaseKind
{
    None = 0,
    Postgres = 1,
    Sqlite = 2,
}

/// <summary>
/// An installed (or installing) bridge as the owner wants it. The secrets (appservice tokens,
/// database password, secret settings) are ciphertext that the infrastructure encrypts.
/// </summary>
public sealed class Bridge
{
    private Bridge() { }

    public Guid Id { get; private set; }

    /// <summary>The catalog entry; unique, so a bridge cannot be installed twice.</summary>
    public string CatalogId { get; private set; } = "";

    public string Image { get; private set; } = "";

    /// <summary>The image before the last upgrade.</summary>
    public string? PreviousImage { get; private set; }

    public BridgePhase Phase { get; private set; }

    public BridgeDatabaseKind DatabaseKind { get; private set; }

    /// <summary>The non-secret settings as JSON.</summary>
    public string SettingsJson { get; private set; } = "{}";

    /// <summary>The secrets as encrypted JSON.</summary>
    public string SecretsProtected { get; private set; } = "";

    public string? LastError { get; private set; }

    /// <summary>Whether the homeserver's config lists this bridge's registration.</summary>
    public bool Registered { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? InstalledAt { get; private set; }

    public static Bridge Plan(BridgeDefinition definition, BridgeDatabaseKind database, string settingsJson, string secretsProtected, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid(),
        CatalogId = definition.Id,
        Image = definition.Image,
        Phase = BridgePhase.Installing,
        DatabaseKind = database,
        SettingsJson = settingsJson,
        SecretsProtected = secretsProtected,
        CreatedAt = now,
    };

    /// <summary>A failed install is tried again with new settings (same id, same volume).</summary>
    public void Replan(BridgeDefinition definition, BridgeDatabaseKind database, string settingsJson, string secretsProtected)
    {
        if (Phase is not BridgePhase.Failed)
        {
            throw new ConflictException($"{definition.Name} is already installed.");
        }

        Image = definition.Image;
        DatabaseKind = database;
        SettingsJson = settingsJson;
        SecretsProtected = secretsProtected;
        Phase = BridgePhase.Installing;
        LastError = null;
    }

    public void MarkInstalled(DateTimeOffset now)
    {
        Phase = BridgePhase.Installed;
        InstalledAt ??= now;
        LastError = null;
    }

    public void MarkFailed(string reason)
    {
        Phase = BridgePhase.Failed;
        LastError = reason.Length > 4000 ? reason[..4000] : reason;
    }

    public void MarkUninstalling() => Phase = BridgePhase.Uninstalling;

    public void SetRegistered(bool registered) => Registered = registered;

    public void Upgraded(string image)
    {
        PreviousImage = Image;
        Image = image;
        LastError = null;
    }
}
