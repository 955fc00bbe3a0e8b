using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.ApiTokens;
using Panel.Domain.Audit;
using Panel.Infrastructure.Identity;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class AuditEntryEntityTypeConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Actor).HasMaxLength(AuditEntry.MaxActorLength);
        builder.Property(e => e.Action).HasMaxLength(AuditEntry.MaxActionLength);
        builder.Property(e => e.Target).HasMaxLength(AuditEntry.MaxTargetLength);
        builder.Property(e => e.SourceAddress).HasMaxLength(AuditEntry.MaxSourceLength);
        builder.Property(e => e.Details).HasMaxLength(AuditEntry.MaxDetailsLength);
        builder.Property(e => e.Outcome).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(e => e.Timestamp);
        builder.HasIndex(e => new { e.Action, e.Timestamp });
        builder.HasIndex(e => new { e.Actor, e.Timestamp });
    }
}

internal sealed class ApiTokenEntityTypeConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.ToTable("api_tokens");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Name).HasMaxLength(ApiToken.MaxNameLength);
        builder.Property(t => t.UserId).HasMaxLength(450);
        builder.Property(t => t.Hash).HasMaxLength(64);
        builder.Property(t => t.Hint).HasMaxLength(16);
        builder.Property(t => t.LastUsedFrom).HasMaxLength(64);
        builder.HasIndex(t => t.Hash).IsUnique();
        builder.HasOne<PanelUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SetupRecordEntityTypeConfiguration : IEntityTypeConfiguration<SetupRecord>
{
    public void Configure(EntityTypeBuilder<SetupRecord> builder)
    {
        builder.ToTable("setup");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.OwnerUserId).HasMaxLength(450);
    }
}
