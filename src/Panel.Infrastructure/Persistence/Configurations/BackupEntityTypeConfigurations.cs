using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.Backups;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class BackupEntityTypeConfiguration : IEntityTypeConfiguration<Backup>
{
    public void Configure(EntityTypeBuilder<Backup> builder)
    {
        builder.ToTable("backups");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).ValueGeneratedNever();
        builder.Property(b => b.Directory).HasMaxLength(200);
        builder.HasIndex(b => b.Directory).IsUnique();
        builder.Property(b => b.Trigger).HasConversion<string>().HasMaxLength(16);
        builder.Property(b => b.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(b => b.ServerName).HasMaxLength(260);
        builder.Property(b => b.Error).HasMaxLength(4000);
        builder.Property(b => b.Contents).HasMaxLength(2000);
        builder.Ignore(b => b.Duration);
        builder.HasIndex(b => b.StartedAt);
    }
}

internal sealed class BackupSettingsEntityTypeConfiguration : IEntityTypeConfiguration<BackupSettings>
{
    public void Configure(EntityTypeBuilder<BackupSettings> builder)
    {
        builder.ToTable("backup_settings");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Schedule).HasMaxLength(100);
        builder.Property(s => s.PassphraseProtected).HasMaxLength(2000);
        builder.Ignore(s => s.Retention);
        builder.Property(s => s.ArchivedRooms).HasMaxLength(BackupSettings.MaximumArchivedRooms * 256);
        builder.Ignore(s => s.RoomsToArchive);
    }
}

internal sealed class SecuritySettingsEntityTypeConfiguration : IEntityTypeConfiguration<Panel.Domain.Accounts.SecuritySettings>
{
    public void Configure(EntityTypeBuilder<Panel.Domain.Accounts.SecuritySettings> builder)
    {
        builder.ToTable("security_settings");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
    }
}

internal sealed class SiteSettingsEntityTypeConfiguration : IEntityTypeConfiguration<Panel.Domain.Site.SiteSettings>
{
    public void Configure(EntityTypeBuilder<Panel.Domain.Site.SiteSettings> builder)
    {
        builder.ToTable("site_settings");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.PublicUrl).HasMaxLength(2048);
    }
}

internal sealed class ReverseProxySettingsEntityTypeConfiguration : IEntityTypeConfiguration<Panel.Domain.Federation.ReverseProxySettings>
{
    public void Configure(EntityTypeBuilder<Panel.Domain.Federation.ReverseProxySettings> builder)
    {
        builder.ToTable("reverse_proxy_settings");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Certificate).HasConversion<string>().HasMaxLength(32);
        builder.Property(s => s.AcmeEmail).HasMaxLength(254);
        builder.Property(s => s.CertificatePem).HasMaxLength(65536);
        builder.Property(s => s.KeyPemProtected).HasMaxLength(65536);
    }
}

internal sealed class ModerationStateEntityTypeConfiguration : IEntityTypeConfiguration<Panel.Domain.Moderation.ModerationState>
{
    public void Configure(EntityTypeBuilder<Panel.Domain.Moderation.ModerationState> builder)
    {
        builder.ToTable("moderation_state");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Rules).HasMaxLength(Panel.Domain.Moderation.ModerationState.MaxRulesLength);
    }
}

internal sealed class AnnouncementEntityTypeConfiguration : IEntityTypeConfiguration<Panel.Domain.Moderation.Announcement>
{
    public void Configure(EntityTypeBuilder<Panel.Domain.Moderation.Announcement> builder)
    {
        builder.ToTable("announcements");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Text).HasMaxLength(Panel.Domain.Moderation.Announcement.MaxTextLength);
        builder.Property(a => a.Audience).HasMaxLength(255);
        builder.Property(a => a.CreatedBy).HasMaxLength(255);
        builder.Property(a => a.Error).HasMaxLength(500);
        builder.HasIndex(a => a.CreatedAt);
    }
}

internal sealed class AnnouncementRecipientEntityTypeConfiguration : IEntityTypeConfiguration<Panel.Domain.Moderation.AnnouncementRecipient>
{
    public void Configure(EntityTypeBuilder<Panel.Domain.Moderation.AnnouncementRecipient> builder)
    {
        builder.ToTable("announcement_recipients");
        builder.HasKey(r => new { r.AnnouncementId, r.UserId });
        builder.Property(r => r.UserId).HasMaxLength(255);
        builder.Ignore(r => r.TransactionId);
        builder.HasOne<Panel.Domain.Moderation.Announcement>().WithMany().HasForeignKey(r => r.AnnouncementId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RulesAcceptanceEntityTypeConfiguration : IEntityTypeConfiguration<Panel.Domain.Moderation.RulesAcceptance>
{
    public void Configure(EntityTypeBuilder<Panel.Domain.Moderation.RulesAcceptance> builder)
    {
        builder.ToTable("rules_acceptances");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.UserId).HasMaxLength(255);
        builder.Property(a => a.SourceAddress).HasMaxLength(100);
        builder.HasIndex(a => new { a.UserId, a.Version });
    }
}
