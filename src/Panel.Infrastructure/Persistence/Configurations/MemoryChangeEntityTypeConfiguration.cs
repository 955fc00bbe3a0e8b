using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.Homeserver;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class MemoryChangeEntityTypeConfiguration : IEntityTypeConfiguration<MemoryChange>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(EntityTypeBuilder<MemoryChange> builder)
    {
        builder.ToTable("memory_changes");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.FromProfile).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.ToProfile).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(c => c.Summary).HasMaxLength(1000);
        builder.Property(c => c.Note).HasMaxLength(1000);
        // A window is read and written whole: one JSON column each, not eight.
        builder.Property(c => c.Before).HasConversion(w => Write(w), s => Read(s)).HasMaxLength(1000);
        builder.Property(c => c.After).HasConversion(w => Write(w), s => Read(s)).HasMaxLength(1000);
        builder.HasIndex(c => c.Status);
        builder.Ignore(c => c.AfterFrom);
        builder.Ignore(c => c.AfterTo);
        builder.Ignore(c => c.Effect);
    }

    private static string? Write(MemoryWindow? window) => window is null ? null : JsonSerializer.Serialize(window, Json);

    private static MemoryWindow? Read(string? json) => json is null ? null : JsonSerializer.Deserialize<MemoryWindow>(json, Json);
}
