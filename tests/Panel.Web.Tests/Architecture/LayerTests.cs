using System.Reflection;
using NetArchTest.Rules;

namespace Panel.Web.Tests.Architecture;

/// <summary>
/// The layers as ADR-009 draws them, checked on the compiled assemblies: a change that reaches where
/// it must not fails the test run (and so CI).
/// </summary>
public sealed class LayerTests
{
    private static readonly Assembly Domain = typeof(Panel.Domain.Common.DomainException).Assembly;
    private static readonly Assembly Infrastructure = typeof(Panel.Infrastructure.Persistence.PanelDbContext).Assembly;
    private static readonly Assembly Web = typeof(Panel.Web.Features.Homeserver.HomeserverService).Assembly;

    [Fact]
    public void The_domain_references_nothing_of_ours_and_no_framework_of_an_external_system()
    {
        Check(Types.InAssembly(Domain).ShouldNot().HaveDependencyOnAny(
            "Panel.Infrastructure", "Panel.Web", "Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore", "Docker.DotNet", "Stripe", "Npgsql", "YamlDotNet"));
    }

    [Fact]
    public void Pages_reach_the_panel_only_through_its_features_never_the_database_or_an_adapter()
    {
        // Allowed: Panel.Infrastructure.Configuration (the validated options) and .Identity (the
        // panel's user type, which ASP.NET Identity's sign-in pages are typed by).
        Check(Types.InAssembly(Web).That().ResideInNamespace("Panel.Web.Components").ShouldNot().HaveDependencyOnAny(
            "Microsoft.EntityFrameworkCore", "Panel.Infrastructure.Persistence", "Panel.Infrastructure.Docker", "Panel.Infrastructure.Synapse",
            "Panel.Infrastructure.Stripe", "Panel.Infrastructure.Backups", "Panel.Infrastructure.Bridges", "Docker.DotNet", "Stripe"));
    }

    [Theory]
    [InlineData("Panel.Infrastructure.Docker", new[] { "Panel.Infrastructure.Synapse", "Panel.Infrastructure.Stripe", "Panel.Infrastructure.Persistence", "Panel.Infrastructure.Backups", "Stripe" })]
    [InlineData("Panel.Infrastructure.Synapse", new[] { "Panel.Infrastructure.Docker", "Panel.Infrastructure.Stripe", "Panel.Infrastructure.Persistence", "Docker.DotNet", "Stripe" })]
    [InlineData("Panel.Infrastructure.Stripe", new[] { "Panel.Infrastructure.Docker", "Panel.Infrastructure.Synapse", "Panel.Infrastructure.Persistence", "Docker.DotNet" })]
    [InlineData("Panel.Infrastructure.Backups", new[] { "Panel.Infrastructure.Docker", "Panel.Infrastructure.Synapse", "Panel.Infrastructure.Stripe", "Docker.DotNet", "Stripe" })]
    public void An_adapter_does_not_know_the_other_adapters(string adapter, string[] others)
    {
        Check(Types.InAssembly(Infrastructure).That().ResideInNamespace(adapter).ShouldNot().HaveDependencyOnAny(others));
    }

    private static void Check(ConditionList rule)
    {
        var result = rule.GetResult();
        result.IsSuccessful.ShouldBeTrue("These types break the rule: " + string.Join(", ", result.FailingTypeNames ?? []));
    }
}
