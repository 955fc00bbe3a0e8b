using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.ApiTokens;
using Panel.Domain.Audit;
using Panel.Domain.Backups;
using Panel.Domain.Bridges;
using Panel.Domain.Donations;
using Panel.Domain.Homeserver;
using Panel.Domain.Invites;
using Panel.Domain.Monitoring;
using Panel.Infrastructure.Identity;
using Panel.Infrastructure.Persistence.Configurations;

namespace Panel.Infrastructure.Persistence;

/// <summary>
/// The panel's own database. Each provider has a derived context (<see cref="Sqlite.SqlitePanelDbContext"/>,
/// <see cref="Postgres.PostgresPanelDbContext"/>) that owns its migrations; code uses this base type and
/// gets instances from <see cref="Microsoft.EntityFrameworkCore.IDbContextFactory{TContext}"/>, one per operation.
/// </summary>
public abstract class PanelDbContext : IdentityDbContext<PanelUser>
{
    protected PanelDbContext(DbContextOptions options) : base(options) { }

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<SetupRecord> SetupRecords => Set<SetupRecord>();

    public DbSet<HomeserverDeployment> Homeservers => Set<HomeserverDeployment>();

    public DbSet<Invite> Invites => Set<Invite>();

    public DbSet<InviteRedemption> InviteRedemptions => Set<InviteRedemption>();

    public DbSet<MetricBucket> MetricBuckets => Set<MetricBucket>();

    public DbSet<MemoryChange> MemoryChanges => Set<MemoryChange>();

    public DbSet<Panel.Domain.Capacity.CapacitySnapshot> CapacitySnapshots => Set<Panel.Domain.Capacity.CapacitySnapshot>();

    public DbSet<Panel.Domain.History.HistoryAppService> HistoryAppServices => Set<Panel.Domain.History.HistoryAppService>();

    public DbSet<Panel.Domain.History.SlackImport> SlackImports => Set<Panel.Domain.History.SlackImport>();

    public DbSet<Panel.Domain.History.ImportedEvent> ImportedEvents => Set<Panel.Domain.History.ImportedEvent>();

    public DbSet<Panel.Domain.History.GhostClaim> GhostClaims => Set<Panel.Domain.History.GhostClaim>();

    public DbSet<TimelineEvent> TimelineEvents => Set<TimelineEvent>();

    public DbSet<WatchedContainer> WatchedContainers => Set<WatchedContainer>();

    public DbSet<AlertSettings> AlertSettings => Set<AlertSettings>();

    public DbSet<DonationSettings> DonationSettings => Set<DonationSettings>();

    public DbSet<LedgerEntry> LedgerEntries => Set<LedgerEntry>();

    public DbSet<Pledge> Pledges => Set<Pledge>();

    public DbSet<ProcessedStripeEvent> ProcessedStripeEvents => Set<ProcessedStripeEvent>();

    public DbSet<Bridge> Bridges => Set<Bridge>();

    public DbSet<Backup> Backups => Set<Backup>();

    public DbSet<BackupSettings> BackupSettings => Set<BackupSettings>();

    public DbSet<Panel.Domain.Accounts.SecuritySettings> SecuritySettings => Set<Panel.Domain.Accounts.SecuritySettings>();

    public DbSet<Panel.Domain.Site.SiteSettings> SiteSettings => Set<Panel.Domain.Site.SiteSettings>();

    public DbSet<Panel.Domain.Federation.ReverseProxySettings> ReverseProxy => Set<Panel.Domain.Federation.ReverseProxySettings>();

    public DbSet<Panel.Domain.Moderation.ModerationState> ModerationState => Set<Panel.Domain.Moderation.ModerationState>();

    public DbSet<Panel.Domain.Moderation.Announcement> Announcements => Set<Panel.Domain.Moderation.Announcement>();

    public DbSet<Panel.Domain.Moderation.RulesAcceptance> RulesAcceptances => Set<Panel.Domain.Moderation.RulesAcceptance>();

    public DbSet<Panel.Domain.Moderation.AnnouncementRecipient> AnnouncementRecipients => Set<Panel.Domain.Moderation.AnnouncementRecipient>();

    public DbSet<Panel.Domain.Federation.FederationSelfCheck> FederationSelfChecks => Set<Panel.Domain.Federation.FederationSelfCheck>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        ApplyConfigurations(builder);
    }

    /// <summary>
    /// Every entity configuration, listed rather than found by <c>ApplyConfigurationsFromAssembly</c>:
    /// that scan loads every type of the assembly and reads its constructors, which loaded Stripe.net and
    /// BouncyCastle into a panel that takes no donations and checks no federation (issue 25). A test
    /// checks that the list holds every configuration the assembly has.
    /// </summary>
    internal static void ApplyConfigurations(ModelBuilder builder)
    {
        builder.ApplyConfiguration(new AlertSettingsEntityTypeConfiguration());
        builder.ApplyConfiguration(new AnnouncementEntityTypeConfiguration());
        builder.ApplyConfiguration(new AnnouncementRecipientEntityTypeConfiguration());
        builder.ApplyConfiguration(new ApiTokenEntityTypeConfiguration());
        builder.ApplyConfiguration(new AuditEntryEntityTypeConfiguration());
        builder.ApplyConfiguration(new BackupEntityTypeConfiguration());
        builder.ApplyConfiguration(new BackupSettingsEntityTypeConfiguration());
        builder.ApplyConfiguration(new BridgeEntityTypeConfiguration());
        builder.ApplyConfiguration(new CapacitySnapshotEntityTypeConfiguration());
        builder.ApplyConfiguration(new DonationSettingsEntityTypeConfiguration());
        builder.ApplyConfiguration(new FederationSelfCheckEntityTypeConfiguration());
        builder.ApplyConfiguration(new GhostClaimEntityTypeConfiguration());
        builder.ApplyConfiguration(new HistoryAppServiceEntityTypeConfiguration());
        builder.ApplyConfiguration(new HomeserverEntityTypeConfiguration());
        builder.ApplyConfiguration(new ImportedEventEntityTypeConfiguration());
        builder.ApplyConfiguration(new InviteEntityTypeConfiguration());
        builder.ApplyConfiguration(new InviteRedemptionEntityTypeConfiguration());
        builder.ApplyConfiguration(new LedgerEntryEntityTypeConfiguration());
        builder.ApplyConfiguration(new MemoryChangeEntityTypeConfiguration());
        builder.ApplyConfiguration(new MetricBucketEntityTypeConfiguration());
        builder.ApplyConfiguration(new ModerationStateEntityTypeConfiguration());
        builder.ApplyConfiguration(new PledgeEntityTypeConfiguration());
        builder.ApplyConfiguration(new ProcessedStripeEventEntityTypeConfiguration());
        builder.ApplyConfiguration(new ReverseProxySettingsEntityTypeConfiguration());
        builder.ApplyConfiguration(new RulesAcceptanceEntityTypeConfiguration());
        builder.ApplyConfiguration(new SecuritySettingsEntityTypeConfiguration());
        builder.ApplyConfiguration(new SetupRecordEntityTypeConfiguration());
        builder.ApplyConfiguration(new SiteSettingsEntityTypeConfiguration());
        builder.ApplyConfiguration(new SlackImportEntityTypeConfiguration());
        builder.ApplyConfiguration(new TimelineEventEntityTypeConfiguration());
        builder.ApplyConfiguration(new WatchedContainerEntityTypeConfiguration());
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RefuseAuditChanges();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RefuseAuditChanges();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    // The audit log is append-only. The migrations add database triggers for the same rule, so
    // that even SQL run by hand cannot rewrite history; this check gives a clear error earlier.
    private void RefuseAuditChanges()
    {
        foreach (var entry in ChangeTracker.Entries<AuditEntry>())
        {
            if (entry.State is EntityState.Modified or EntityState.Deleted)
            {
                throw new InvalidOperationException("The audit log is append-only: entries cannot be changed or deleted.");
            }
        }
    }
}
