using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.Donations;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class DonationSettingsEntityTypeConfiguration : IEntityTypeConfiguration<DonationSettings>
{
    public void Configure(EntityTypeBuilder<DonationSettings> builder)
    {
        builder.ToTable("donation_settings");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.Currency).HasMaxLength(3);
        builder.Property(s => s.PublicMessage).HasMaxLength(DonationSettings.MaxMessageLength);
        builder.Property(s => s.PublishableKey).HasMaxLength(300);
        builder.Property(s => s.SecretKeyProtected).HasMaxLength(2000);
        builder.Property(s => s.WebhookSecretProtected).HasMaxLength(2000);
        builder.Property(s => s.SuggestedAmountsMinor).HasConversion(Json<List<long>>(), Comparer<long>()).HasMaxLength(500);
        builder.Property(s => s.CostLines).HasConversion(Json<List<CostLine>>(), Comparer<CostLine>()).HasMaxLength(10000);
        builder.Property(s => s.ExternalLinks).HasConversion(Json<List<ExternalLink>>(), Comparer<ExternalLink>()).HasMaxLength(4000);
        builder.Ignore(s => s.MonthlyCostsMinor);
    }

    private static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T, string> Json<T>()
        where T : new() =>
        new(v => JsonSerializer.Serialize(v, JsonSerializerOptions.Web), v => JsonSerializer.Deserialize<T>(v, JsonSerializerOptions.Web) ?? new T());

    private static ValueComparer<List<TItem>> Comparer<TItem>() =>
        new((a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, x) => HashCode.Combine(h, x)), v => v.ToList());
}

internal sealed class LedgerEntryEntityTypeConfiguration : IEntityTypeConfiguration<LedgerEntry>
{
    public void Configure(EntityTypeBuilder<LedgerEntry> builder)
    {
        builder.ToTable("donation_ledger");
        builder.HasKey(x => x.Id);
        builder.Property(x => x.Type).HasConversion<string>().HasMaxLength(20);
        builder.Property(x => x.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(x => x.Currency).HasMaxLength(3);
        builder.Property(x => x.SourceEventId).HasMaxLength(255);
        builder.Property(x => x.CheckoutSessionId).HasMaxLength(255);
        builder.Property(x => x.PaymentIntentId).HasMaxLength(255);
        builder.Property(x => x.InvoiceId).HasMaxLength(255);
        builder.Property(x => x.SubscriptionId).HasMaxLength(255);
        builder.Property(x => x.ChargeId).HasMaxLength(255);
        builder.Property(x => x.DisplayName).HasMaxLength(80);
        builder.Property(x => x.Message).HasMaxLength(500);
        builder.HasIndex(x => x.OccurredAt);
        builder.HasIndex(x => x.CheckoutSessionId);
        builder.HasIndex(x => x.PaymentIntentId);
        builder.HasIndex(x => x.InvoiceId);
        builder.HasIndex(x => x.SourceEventId).IsUnique();
    }
}

internal sealed class PledgeEntityTypeConfiguration : IEntityTypeConfiguration<Pledge>
{
    public void Configure(EntityTypeBuilder<Pledge> builder)
    {
        builder.ToTable("donation_pledges");
        builder.HasKey(p => p.SubscriptionId);
        builder.Property(p => p.SubscriptionId).HasMaxLength(255);
        builder.Property(p => p.Currency).HasMaxLength(3);
        builder.Property(p => p.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(p => p.DisplayName).HasMaxLength(80);
    }
}

internal sealed class ProcessedStripeEventEntityTypeConfiguration : IEntityTypeConfiguration<ProcessedStripeEvent>
{
    public void Configure(EntityTypeBuilder<ProcessedStripeEvent> builder)
    {
        builder.ToTable("stripe_events");
        builder.HasKey(e => e.EventId);
        builder.Property(e => e.EventId).HasMaxLength(255);
        builder.Property(e => e.Type).HasMaxLength(100);
    }
}
