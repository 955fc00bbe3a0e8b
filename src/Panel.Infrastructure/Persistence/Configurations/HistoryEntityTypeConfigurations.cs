using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.History;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class HistoryAppServiceEntityTypeConfiguration : IEntityTypeConfiguration<HistoryAppService>
{
    public void Configure(EntityTypeBuilder<HistoryAppService> builder)
    {
        builder.ToTable("history_appservice");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.AsTokenProtected).HasMaxLength(4000);
        builder.Property(a => a.HsTokenProtected).HasMaxLength(4000);
    }
}

internal sealed class SlackImportEntityTypeConfiguration : IEntityTypeConfiguration<SlackImport>
{
    public void Configure(EntityTypeBuilder<SlackImport> builder)
    {
        builder.ToTable("slack_imports");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).ValueGeneratedNever();
        builder.Property(i => i.Workspace).HasMaxLength(100);
        builder.Property(i => i.FileName).HasMaxLength(300);
        builder.Property(i => i.StoredPath).HasMaxLength(1000);
        builder.Property(i => i.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(i => i.Selection).HasMaxLength(20000);
        builder.Property(i => i.LastError).HasMaxLength(4000);
        builder.Ignore(i => i.Channels);
    }
}

internal sealed class ImportedEventEntityTypeConfiguration : IEntityTypeConfiguration<ImportedEvent>
{
    public void Configure(EntityTypeBuilder<ImportedEvent> builder)
    {
        builder.ToTable("imported_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Workspace).HasMaxLength(100);
        builder.Property(e => e.Channel).HasMaxLength(100);
        builder.Property(e => e.Key).HasMaxLength(300);
        builder.Property(e => e.MatrixId).HasMaxLength(300);
        // What makes a second import add nothing, even when two runs race.
        builder.HasIndex(e => new { e.Workspace, e.Channel, e.Key }).IsUnique();
    }
}

internal sealed class GhostClaimEntityTypeConfiguration : IEntityTypeConfiguration<GhostClaim>
{
    public void Configure(EntityTypeBuilder<GhostClaim> builder)
    {
        builder.ToTable("ghost_claims");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Workspace).HasMaxLength(100);
        builder.Property(c => c.SlackUserId).HasMaxLength(100);
        builder.Property(c => c.MatrixUserId).HasMaxLength(255);
        builder.Property(c => c.How).HasMaxLength(16);
        // One member per Slack person of a workspace.
        builder.HasIndex(c => new { c.Workspace, c.SlackUserId }).IsUnique();
    }
}
