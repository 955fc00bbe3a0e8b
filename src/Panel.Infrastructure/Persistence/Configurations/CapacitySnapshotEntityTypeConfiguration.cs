using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.Capacity;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class CapacitySnapshotEntityTypeConfiguration : IEntityTypeConfiguration<CapacitySnapshot>
{
    public void Configure(EntityTypeBuilder<CapacitySnapshot> builder)
    {
        builder.ToTable("capacity_snapshots");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Settings).HasMaxLength(500);
        builder.HasIndex(s => s.Time);
        builder.Ignore(s => s.Shape);
    }
}
