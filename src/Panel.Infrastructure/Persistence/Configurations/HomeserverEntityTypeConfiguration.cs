using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class HomeserverEntityTypeConfiguration : IEntityTypeConfiguration<HomeserverDeployment>
{
    public void Configure(EntityTypeBuilder<HomeserverDeployment> builder)
    {
        builder.ToTable("homeserver");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.Id).ValueGeneratedNever();
        builder.Property(h => h.Mode).HasConversion<string>().HasMaxLength(16);
        builder.Property(h => h.Database).HasConversion<string>().HasMaxLength(16);
        builder.Property(h => h.Phase).HasConversion<string>().HasMaxLength(16);
        builder.Property(h => h.Desired).HasConversion<string>().HasMaxLength(16);
        builder.Property(h => h.ServerName).HasMaxLength(260);
        builder.Property(h => h.PublicBaseUrl).HasMaxLength(500);
        builder.Property(h => h.SynapseImage).HasMaxLength(300);
        builder.Property(h => h.DatabaseImage).HasMaxLength(300);
        builder.Property(h => h.PreviousSynapseImage).HasMaxLength(300);
        builder.Property(h => h.LastError).HasMaxLength(4000);
        builder.Property(h => h.AdminUserId).HasMaxLength(300);
        builder.Property(h => h.AttachedBaseUrl).HasMaxLength(500);
        builder.Property(h => h.AttachedContainerName).HasMaxLength(200);
        // Installs made before profiles wrote Synapse's defaults: the migration fills the new columns so.
        builder.Property(h => h.MemoryProfile).HasConversion<string>().HasMaxLength(16);
        builder.Ignore(h => h.Memory);
        builder.Ignore(h => h.Retention);
        builder.Ignore(h => h.MediaRetention);
        builder.Ignore(h => h.Workers);
    }
}
