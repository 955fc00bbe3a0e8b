using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Panel.Infrastructure.Persistence;

namespace Panel.Infrastructure.Tests.Persistence;

public sealed class ModelConfigurationTests
{
    [Fact]
    public void The_listed_entity_configurations_build_the_model_the_assembly_scan_builds()
    {
        // PanelDbContext lists its configurations instead of scanning the assembly (the scan loaded
        // Stripe.net and BouncyCastle at every start); a configuration added but not listed differs here.
        var listed = new ModelBuilder();
        PanelDbContext.ApplyConfigurations(listed);
        var scanned = new ModelBuilder();
        scanned.ApplyConfigurationsFromAssembly(typeof(PanelDbContext).Assembly);

        listed.Model.GetEntityTypes().Count().ShouldBeGreaterThan(20);
        listed.Model.ToDebugString(MetadataDebugStringOptions.LongDefault).ShouldBe(scanned.Model.ToDebugString(MetadataDebugStringOptions.LongDefault));
    }
}
