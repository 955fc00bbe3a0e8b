using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Backups;

// What the UI and the API exchange with BackupsService.

public sealed record BackupView(
    Guid Id,
    string Status,
    string Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationSeconds,
    long SizeBytes,
    bool Encrypted,
    string? ServerName,
    string? Contents,
    string? Error,
    string Directory,
    OperationView? Operation);

public sealed record BackupSettingsView(bool ScheduleEnabled, string Schedule, int KeepDaily, int KeepWeekly, int KeepMonthly, bool Encrypted, DateTimeOffset? NextRun, string Directory, string EncryptionScheme);

public sealed record BackupSettingsRequest
{
    public bool? ScheduleEnabled { get; init; }

    public string? Schedule { get; init; }

    public int? KeepDaily { get; init; }

    public int? KeepWeekly { get; init; }

    public int? KeepMonthly { get; init; }

    /// <summary>A new passphrase (at least 12 characters) turns encryption on; empty with <see cref="RemovePassphrase"/> turns it off.</summary>
    public string? Passphrase { get; init; }

    public bool? RemovePassphrase { get; init; }
}

public sealed record RestoreRequest
{
    /// <summary>The backup's server name, typed to confirm: a restore replaces the homeserver's data.</summary>
    public string? ConfirmServerName { get; init; }

    /// <summary>The backup's passphrase, when it is encrypted (default: the one in the settings).</summary>
    public string? Passphrase { get; init; }
}
