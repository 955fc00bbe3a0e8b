using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.Monitoring;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class MetricBucketEntityTypeConfiguration : IEntityTypeConfiguration<MetricBucket>
{
    public void Configure(EntityTypeBuilder<MetricBucket> builder)
    {
        builder.ToTable("metric_buckets");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.SeriesKey).HasMaxLength(200);
        builder.Property(b => b.Resolution).HasConversion<short>();
        builder.HasIndex(b => new { b.SeriesKey, b.Resolution, b.Start }).IsUnique();
        builder.HasIndex(b => new { b.Resolution, b.Start });
        builder.Ignore(b => b.End);
        builder.Ignore(b => b.HasData);
    }
}

internal sealed class TimelineEventEntityTypeConfiguration : IEntityTypeConfiguration<TimelineEvent>
{
    public void Configure(EntityTypeBuilder<TimelineEvent> builder)
    {
        builder.ToTable("timeline_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Kind).HasMaxLength(20);
        builder.Property(e => e.Source).HasMaxLength(200);
        builder.Property(e => e.Action).HasMaxLength(100);
        builder.Property(e => e.Detail).HasMaxLength(TimelineEvent.MaxDetailLength);
        builder.HasIndex(e => e.Time);
    }
}

internal sealed class WatchedContainerEntityTypeConfiguration : IEntityTypeConfiguration<WatchedContainer>
{
    public void Configure(EntityTypeBuilder<WatchedContainer> builder)
    {
        builder.ToTable("watched_containers");
        builder.HasKey(w => w.Name);
        builder.Property(w => w.Name).HasMaxLength(128);
    }
}

internal sealed class AlertSettingsEntityTypeConfiguration : IEntityTypeConfiguration<AlertSettings>
{
    public void Configure(EntityTypeBuilder<AlertSettings> builder)
    {
        builder.ToTable("alert_settings");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.NotifyMatrixUserId).HasMaxLength(300);
    }
}
