using Panel.Domain.Common;

namespace Panel.Domain.Backups;

public enum BackupStatus
{
    Running = 0,
    Completed = 1,
    Failed = 2,
}

public enum BackupTrigger
{
    Manual = 0,
    Scheduled = 1,

    /// <summary>Found on disk (copied from another machine), not made by this panel.</summary>
    Imported = 2,
}

/// <summary>One backup set: a directory of files and a manifest of their checksums.</summary>
public sealed class Backup
{
    private Backup() { }

    public Guid Id { get; private set; }

    /// <summary>The set's directory name under the backup directory.</summary>
    public string Directory { get; private set; } = "";

    public BackupTrigger Trigger { get; private set; }

    public BackupStatus Status { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public long SizeBytes { get; private set; }

    public bool Encrypted { get; private set; }

    public string? ServerName { get; private set; }

    public string? Error { get; private set; }

    /// <summary>What the set holds, for people ("PostgreSQL dump, media (1.2 GiB), 2 bridges, panel database").</summary>
    public string? Contents { get; private set; }

    public TimeSpan? Duration => FinishedAt - StartedAt;

    public static Backup Start(BackupTrigger trigger, string directory, bool encrypted, string? serverName, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(directory) || directory.Contains('/', StringComparison.Ordinal) || directory.Contains('\\', StringComparison.Ordinal) || directory.StartsWith('.'))
        {
            throw new DomainException("A backup's directory must be a plain name.");
        }

        return new Backup
        {
            Id = Guid.NewGuid(),
            Directory = directory,
            Trigger = trigger,
            Status = BackupStatus.Running,
            StartedAt = now,
            Encrypted = encrypted,
            ServerName = serverName,
        };
    }

    /// <summary>A set found on disk, known by its manifest.</summary>
    public static Backup Imported(Guid id, string directory, BackupManifest manifest, long sizeBytes) => new()
    {
        Id = id,
        Directory = directory,
        Trigger = BackupTrigger.Imported,
        Status = BackupStatus.Completed,
        StartedAt = manifest.CreatedAt,
        FinishedAt = manifest.CreatedAt,
        SizeBytes = sizeBytes,
        Encrypted = manifest.Encrypted,
        ServerName = manifest.ServerName,
        Contents = manifest.Describe(),
    };

    public void Complete(DateTimeOffset now, long sizeBytes, string contents)
    {
        Status = BackupStatus.Completed;
        FinishedAt = now;
        SizeBytes = sizeBytes;
        Contents = contents;
        Error = null;
    }

    public void Fail(DateTimeOffset now, string error)
    {
        Status = BackupStatus.Failed;
        FinishedAt = now;
        Error = error.Length > 4000 ? error[..4000] : error;
    }
}

/// <summary>When backups run, how many are kept, and whether they are encrypted.</summary>
public sealed class BackupSettings
{
    public const int SingletonId = 1;
    public const string DefaultSchedule = "0 4 * * *";

    private BackupSettings() { }

    public int Id { get; private set; } = SingletonId;

    public bool ScheduleEnabled { get; private set; } = true;

    /// <summary>A five-field cron expression, in the server's local time zone.</summary>
    public string Schedule { get; private set; } = DefaultSchedule;

    public int KeepDaily { get; private set; } = 7;

    public int KeepWeekly { get; private set; } = 4;

    public int KeepMonthly { get; private set; } = 6;

    /// <summary>The encryption passphrase, encrypted at rest; null when backups are not encrypted.</summary>
    public string? PassphraseProtected { get; private set; }

    public static BackupSettings Default() => new();

    public RetentionPolicy Retention => new(KeepDaily, KeepWeekly, KeepMonthly);

    /// <summary>Changes the schedule and retention; the cron expression is checked by the caller (it needs a parser).</summary>
    public void Change(bool scheduleEnabled, string schedule, int keepDaily, int keepWeekly, int keepMonthly)
    {
        if (keepDaily is < 0 or > 366 || keepWeekly is < 0 or > 520 || keepMonthly is < 0 or > 240)
        {
            throw new DomainException("Keep between 0 and 366 daily, 520 weekly and 240 monthly backups.");
        }

        if (keepDaily + keepWeekly + keepMonthly == 0)
        {
            throw new DomainException("Keep at least one backup.");
        }

        ScheduleEnabled = scheduleEnabled;
        Schedule = Guard.NotBlank(schedule, "The schedule", 100);
        KeepDaily = keepDaily;
        KeepWeekly = keepWeekly;
        KeepMonthly = keepMonthly;
    }

    public void SetPassphrase(string? passphraseProtected) => PassphraseProtected = passphraseProtected;

    /// <summary>Rooms archived into every backup (room IDs, one per line): kept as long as their backup is.</summary>
    public string ArchivedRooms { get; private set; } = "";

    public const int MaximumArchivedRooms = 50;

    public IReadOnlyList<string> RoomsToArchive => ArchivedRooms.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Chooses the rooms to archive with each backup, by room ID (an alias can move to another room).</summary>
    public void ChooseRoomsToArchive(IEnumerable<string> roomIds)
    {
        var rooms = roomIds.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (rooms.FirstOrDefault(r => !IsRoomId(r)) is { } bad)
        {
            throw new DomainException($"'{(bad.Length > 80 ? bad[..80] + "…" : bad)}' is not a room ID: they look like !abc123:example.org.");
        }

        if (rooms.Count > MaximumArchivedRooms)
        {
            throw new DomainException($"Archive at most {MaximumArchivedRooms} rooms with each backup.");
        }

        ArchivedRooms = string.Join('\n', rooms);
    }

    private static bool IsRoomId(string id) =>
        id.Length <= 255 && id.StartsWith('!') && id.IndexOf(':', StringComparison.Ordinal) is > 1 and var colon && colon < id.Length - 1 && !id.Any(char.IsWhiteSpace);

    public const int MinimumPassphraseLength = 12;
}
