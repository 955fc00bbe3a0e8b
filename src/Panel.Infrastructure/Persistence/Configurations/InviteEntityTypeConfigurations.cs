using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.Invites;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class InviteEntityTypeConfiguration : IEntityTypeConfiguration<Invite>
{
    public void Configure(EntityTypeBuilder<Invite> builder)
    {
        builder.ToTable("invites");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Mode).HasConversion<string>().HasMaxLength(24);
        builder.Property(i => i.CodeHash).HasMaxLength(64);
        builder.HasIndex(i => i.CodeHash).IsUnique();
        builder.Property(i => i.CodeProtected).HasMaxLength(1000);
        builder.Property(i => i.Note).HasMaxLength(Invite.MaxNoteLength);
        builder.Property(i => i.CreatedBy).HasMaxLength(256);
        builder.Ignore(i => i.AutoJoinRooms);
        builder.Property<List<string>>("_autoJoinRooms")
            .HasColumnName("AutoJoinRooms")
            .HasMaxLength(6000)
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => JsonSerializer.Deserialize<List<string>>(v, JsonSerializerOptions.Default) ?? new List<string>(),
                new ValueComparer<List<string>>((a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))), v => v.ToList()));
        builder.HasIndex(i => i.CreatedAt);
    }
}

internal sealed class InviteRedemptionEntityTypeConfiguration : IEntityTypeConfiguration<InviteRedemption>
{
    public void Configure(EntityTypeBuilder<InviteRedemption> builder)
    {
        builder.ToTable("invite_redemptions");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.UserId).HasMaxLength(300);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.SourceAddress).HasMaxLength(64);
        builder.Property(r => r.Error).HasMaxLength(500);
        builder.HasIndex(r => new { r.InviteId, r.Status });
        builder.HasOne<Invite>().WithMany().HasForeignKey(r => r.InviteId).OnDelete(DeleteBehavior.Cascade);
    }
}
