using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Panel.Domain.Federation;

namespace Panel.Infrastructure.Persistence.Configurations;

internal sealed class FederationSelfCheckEntityTypeConfiguration : IEntityTypeConfiguration<FederationSelfCheck>
{
    public void Configure(EntityTypeBuilder<FederationSelfCheck> builder)
    {
        builder.ToTable("federation_self_check");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        // The report as it was shown: six steps of a few sentences each; read and written whole.
        builder.Property(s => s.Report)
            .HasConversion(r => JsonSerializer.Serialize(r, JsonSerializerOptions.Web), v => JsonSerializer.Deserialize<FederationCheckReport>(v, JsonSerializerOptions.Web)!)
            .HasMaxLength(20000);
    }
}
