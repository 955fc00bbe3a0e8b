using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.Bridges;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class BridgeEntityTypeConfiguration : IEntityTypeConfiguration<Bridge>
{
    public void Configure(EntityTypeBuilder<Bridge> builder)
    {
        builder.ToTable("bridges");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).ValueGeneratedNever();
        builder.Property(b => b.CatalogId).HasMaxLength(40);
        // One bridge per catalog entry: a second install of the same bridge fails here even when two
        // requests race past the service's check.
        builder.HasIndex(b => b.CatalogId).IsUnique();
        builder.Property(b => b.Image).HasMaxLength(300);
        builder.Property(b => b.PreviousImage).HasMaxLength(300);
        builder.Property(b => b.Phase).HasConversion<string>().HasMaxLength(16);
        builder.Property(b => b.DatabaseKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(b => b.SettingsJson).HasMaxLength(8000);
        builder.Property(b => b.SecretsProtected).HasMaxLength(16000);
        builder.Property(b => b.LastError).HasMaxLength(4000);
    }
}
