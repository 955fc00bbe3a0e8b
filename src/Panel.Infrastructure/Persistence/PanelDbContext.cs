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

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(PanelDbContext).Assembly);
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
