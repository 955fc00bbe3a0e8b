using Panel.Domain.Common;

namespace Panel.Domain.Homeserver;

public enum HomeserverMode
{
    /// <summary>The panel runs the homeserver's containers.</summary>
    Managed = 0,

    /// <summary>The panel only talks to an existing homeserver (and maybe watches its container).</summary>
    Attached = 1,
}

public enum HomeserverDatabase
{
    Postgres = 0,
    Sqlite = 1,
}

public enum InstallPhase
{
    Installing = 0,
    Installed = 1,
    Failed = 2,

    /// <summary>Containers are gone; the data volumes and the secrets that unlock them are kept.</summary>
    Uninstalled = 3,
}

public enum DesiredState
{
    Running = 0,
    Stopped = 1,
}

/// <summary>
/// The homeserver as the owner wants it: the desired state that the installer and the reconciler
/// make real. There is at most one per panel. Secrets are stored as ciphertext (the infrastructure's
/// secret protector encrypts them); this type never sees them in clear.
/// </summary>
public sealed partial class HomeserverDeployment
{
    public const int SingletonId = 1;
    public const long MinimumMemoryLimitBytes = 256L * 1024 * 1024;
    public const long DefaultMemoryLimitBytes = 1024L * 1024 * 1024;

    private HomeserverDeployment() { }

    public int Id { get; private set; } = SingletonId;

    public HomeserverMode Mode { get; private set; }

    public string ServerName { get; private set; } = "";

    public string PublicBaseUrl { get; private set; } = "";

    public HomeserverDatabase Database { get; private set; }

    public string SynapseImage { get; private set; } = "";

    public string DatabaseImage { get; private set; } = "";

    /// <summary>The image before the last upgrade, to roll back to.</summary>
    public string? PreviousSynapseImage { get; private set; }

    public long MemoryLimitBytes { get; private set; }

    public double CacheFactor { get; private set; }

    /// <summary>The 127.0.0.1 port on which the panel reaches Synapse's client API.</summary>
    public int? HostPort { get; private set; }

    public DesiredState Desired { get; private set; }

    public InstallPhase Phase { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>How often the reconciler has resumed this install by itself since a person last started it.</summary>
    public int AutomaticInstallAttempts { get; private set; }

    public DateTimeOffset? LastInstallAttemptAt { get; private set; }

    /// <summary>An install interrupted this often (the panel stopped during it each time) is not resumed again.</summary>
    public const int MaxAutomaticInstallAttempts = 3;

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? InstalledAt { get; private set; }

    public string? RegistrationSharedSecretProtected { get; private set; }

    public string? MacaroonSecretKeyProtected { get; private set; }

    public string? FormSecretProtected { get; private set; }

    public string? DatabasePasswordProtected { get; private set; }

    public string? SigningKeyProtected { get; private set; }

    public string? AdminAccessTokenProtected { get; private set; }

    public string? AdminUserId { get; private set; }

    /// <summary>The panel's admin password on the homeserver, so that it can sign in again if its token is lost.</summary>
    public string? AdminPasswordProtected { get; private set; }

    /// <summary>Attach mode: the homeserver's client API, as the panel reaches it.</summary>
    public string? AttachedBaseUrl { get; private set; }

    /// <summary>Attach mode: an existing container to watch (never to change).</summary>
    public string? AttachedContainerName { get; private set; }

    /// <summary>Registration with a token is on (invites by registration token).</summary>
    public bool RegistrationTokensEnabled { get; private set; }

    /// <summary>
    /// Which set of volumes holds the data: a restore fills a new generation and switches to it only
    /// once it is in place, so that a failed restore leaves the previous data untouched.
    /// </summary>
    public int DataGeneration { get; private set; }

    public static HomeserverDeployment PlanInstall(
        ServerName serverName,
        string publicBaseUrl,
        HomeserverDatabase database,
        string synapseImage,
        string databaseImage,
        long memoryLimitBytes,
        double cacheFactor,
        HomeserverSecrets secrets,
        DateTimeOffset now)
    {
        var deployment = new HomeserverDeployment { Mode = HomeserverMode.Managed, CreatedAt = now };
        deployment.Configure(serverName, publicBaseUrl, database, synapseImage, databaseImage, memoryLimitBytes, cacheFactor);
        deployment.SetSecrets(secrets);
        deployment.Phase = InstallPhase.Installing;
        deployment.Desired = DesiredState.Running;
        deployment.LastInstallAttemptAt = now;
        return deployment;
    }

    public static HomeserverDeployment Attach(ServerName serverName, string baseUrl, string publicBaseUrl, string? containerName, string adminUserId, string adminAccessTokenProtected, string? sharedSecretProtected, DateTimeOffset now)
    {
        var deployment = new HomeserverDeployment
        {
            Mode = HomeserverMode.Attached,
            ServerName = serverName.Value,
            AttachedBaseUrl = ValidateUrl(baseUrl, "The homeserver URL"),
            PublicBaseUrl = ValidateUrl(publicBaseUrl, "The public base URL"),
            AttachedContainerName = string.IsNullOrWhiteSpace(containerName) ? null : containerName.Trim(),
            AdminUserId = adminUserId,
            AdminAccessTokenProtected = adminAccessTokenProtected,
            RegistrationSharedSecretProtected = sharedSecretProtected,
            Phase = InstallPhase.Installed,
            Desired = DesiredState.Running,
            CreatedAt = now,
            InstalledAt = now,
        };
        return deployment;
    }

    /// <summary>Installing again after an uninstall that kept the data: same name, same secrets, new settings.</summary>
    public void PlanReinstall(ServerName serverName, string publicBaseUrl, HomeserverDatabase database, string synapseImage, string databaseImage, long memoryLimitBytes, double cacheFactor)
    {
        if (Phase is InstallPhase.Installing or InstallPhase.Installed)
        {
            throw new ConflictException("A homeserver is already installed. Uninstall it first.");
        }

        if (Mode == HomeserverMode.Managed && ServerName != serverName.Value)
        {
            throw new ConflictException(
                $"The data of '{ServerName}' is still here, and a homeserver can never change its name. Install '{ServerName}' again, or uninstall it with its data first.");
        }

        if (Mode == HomeserverMode.Managed && Database != database)
        {
            throw new ConflictException($"The kept data of '{ServerName}' is in {Database}: install with that database again, or delete the data first.");
        }

        Mode = HomeserverMode.Managed;
        Configure(serverName, publicBaseUrl, database, synapseImage, databaseImage, memoryLimitBytes, cacheFactor);
        Phase = InstallPhase.Installing;
        Desired = DesiredState.Running;
        LastError = null;
        AutomaticInstallAttempts = 0;
    }

    public void MarkInstalled(DateTimeOffset now)
    {
        Phase = InstallPhase.Installed;
        InstalledAt ??= now;
        LastError = null;
    }

    public void MarkFailed(string error)
    {
        Phase = InstallPhase.Failed;
        LastError = error;
    }

    /// <summary>A person tries the install again (after a failure, or after a crash interrupted it).</summary>
    public void RetryInstall()
    {
        if (Phase is not (InstallPhase.Failed or InstallPhase.Installing))
        {
            throw new ConflictException("There is no unfinished install to resume.");
        }

        Phase = InstallPhase.Installing;
        LastError = null;
        AutomaticInstallAttempts = 0;
    }

    /// <summary>
    /// When the reconciler may resume an interrupted install by itself: at once the first time, then
    /// after 1 and 5 minutes (counted from the previous attempt), so that a panel that dies during the
    /// install does not retry it in a tight loop. Null when it must not try again.
    /// </summary>
    public DateTimeOffset? NextAutomaticInstallAttempt()
    {
        if (Phase != InstallPhase.Installing || AutomaticInstallAttempts >= MaxAutomaticInstallAttempts)
        {
            return null;
        }

        return AutomaticInstallAttempts == 0 || LastInstallAttemptAt is not { } last
            ? DateTimeOffset.MinValue
            : last + (AutomaticInstallAttempts == 1 ? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(5));
    }

    /// <summary>The reconciler resumes the install now.</summary>
    public void BeginAutomaticInstallAttempt(DateTimeOffset now)
    {
        if (NextAutomaticInstallAttempt() is null)
        {
            throw new ConflictException("The install is not to be resumed again.");
        }

        AutomaticInstallAttempts++;
        LastInstallAttemptAt = now;
    }

    /// <summary>The reconciler gives up on an install that kept being interrupted, and says so.</summary>
    public void GiveUpInterruptedInstall()
    {
        MarkFailed($"The install was interrupted {AutomaticInstallAttempts} times (the panel stopped while it ran) and is not resumed again by itself. " +
            "Install again to retry it, with other settings if need be, or delete what it left.");
    }

    public void MarkUninstalled()
    {
        Phase = InstallPhase.Uninstalled;
        Desired = DesiredState.Stopped;
        LastError = null;
        AdminAccessTokenProtected = Mode == HomeserverMode.Attached ? null : AdminAccessTokenProtected;
    }

    public void SetDesired(DesiredState desired) => Desired = desired;

    /// <summary>This deployment came out of a backup: it runs on the restored generation of volumes.</summary>
    public void Restored(int generation, int? hostPort, DateTimeOffset now)
    {
        EnsureManaged();
        DataGeneration = generation;
        Phase = InstallPhase.Installed;
        Desired = DesiredState.Running;
        InstalledAt ??= now;
        LastError = null;
        if (hostPort is { } port)
        {
            AssignHostPort(port);
        }

        // A restored homeserver starts as one process; worker mode is applied again from the panel.
        UseOneProcess();
    }

    public void AssignHostPort(int port)
    {
        if (port is < 1 or > 65535)
        {
            throw new DomainException($"{port} is not a valid port.");
        }

        HostPort = port;
    }

    public void SetAdmin(string userId, string accessTokenProtected, string? passwordProtected)
    {
        AdminUserId = userId;
        AdminAccessTokenProtected = accessTokenProtected;
        AdminPasswordProtected = passwordProtected ?? AdminPasswordProtected;
    }

    public void SetSigningKey(string signingKeyProtected) => SigningKeyProtected = signingKeyProtected;

    /// <summary>Records a successful upgrade and keeps the old image for a later rollback.</summary>
    public void Upgraded(string newImage)
    {
        if (string.IsNullOrWhiteSpace(newImage))
        {
            throw new DomainException("An image is required.");
        }

        PreviousSynapseImage = SynapseImage;
        SynapseImage = newImage.Trim();
    }

    public void SetRegistrationTokens(bool enabled) => RegistrationTokensEnabled = enabled;

    public void EnsureManaged()
    {
        if (Mode != HomeserverMode.Managed)
        {
            throw new ConflictException("This homeserver is attached, not managed: the panel does not start, stop or upgrade it.");
        }
    }

    private void Configure(ServerName serverName, string publicBaseUrl, HomeserverDatabase database, string synapseImage, string databaseImage, long memoryLimitBytes, double cacheFactor)
    {
        if (string.IsNullOrWhiteSpace(synapseImage) || synapseImage.Any(char.IsWhiteSpace))
        {
            throw new DomainException("The Synapse image must be a name like ghcr.io/element-hq/synapse:v1.160.0.");
        }

        if (database == HomeserverDatabase.Postgres && (string.IsNullOrWhiteSpace(databaseImage) || databaseImage.Any(char.IsWhiteSpace)))
        {
            throw new DomainException("The PostgreSQL image must be a name like postgres:17.");
        }

        if (cacheFactor is < 0.05 or > 10 || double.IsNaN(cacheFactor))
        {
            throw new DomainException("The cache factor must be between 0.05 and 10 (Synapse's default is 0.5).");
        }

        ServerName = serverName.Value;
        PublicBaseUrl = ValidateUrl(publicBaseUrl, "The public base URL");
        Database = database;
        SynapseImage = synapseImage.Trim();
        DatabaseImage = database == HomeserverDatabase.Postgres ? databaseImage.Trim() : "";
        // An install starts from what the wizard asked for; a profile is picked afterwards.
        ApplyMemory(MemorySettings.Generated(memoryLimitBytes, cacheFactor), jemalloc: false);
    }

    private void SetSecrets(HomeserverSecrets secrets)
    {
        RegistrationSharedSecretProtected = secrets.RegistrationSharedSecret;
        MacaroonSecretKeyProtected = secrets.MacaroonSecretKey;
        FormSecretProtected = secrets.FormSecret;
        DatabasePasswordProtected = secrets.DatabasePassword;
        SigningKeyProtected = secrets.SigningKey;
    }

    private static string ValidateUrl(string url, string what)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new DomainException($"{what} must be an http or https URL like https://matrix.example.org/.");
        }

        var text = uri.GetLeftPart(UriPartial.Path);
        return text.EndsWith('/') ? text : text + "/";
    }
}

/// <summary>The secrets of a new homeserver, already encrypted for storage.</summary>
public sealed record HomeserverSecrets(
    string RegistrationSharedSecret,
    string MacaroonSecretKey,
    string FormSecret,
    string DatabasePassword,
    string SigningKey);
