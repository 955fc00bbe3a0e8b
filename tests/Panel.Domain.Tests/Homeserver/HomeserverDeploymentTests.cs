using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Homeserver;

public sealed class HomeserverDeploymentTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly HomeserverSecrets Secrets = new("a", "b", "c", "d", "e");

    private static HomeserverDeployment Plan(string name = "example.org", HomeserverDatabase db = HomeserverDatabase.Postgres) =>
        HomeserverDeployment.PlanInstall(ServerName.Parse(name), "https://matrix.example.org", db, "synapse:1", "postgres:17", HomeserverDeployment.DefaultMemoryLimitBytes, 0.5, Secrets, Now);

    [Fact]
    public void PlanInstall_StartsInstalling_AndNormalisesThePublicUrl()
    {
        var d = Plan();

        d.Phase.ShouldBe(InstallPhase.Installing);
        d.Desired.ShouldBe(DesiredState.Running);
        d.PublicBaseUrl.ShouldBe("https://matrix.example.org/");
    }

    [Theory]
    [InlineData("ftp://x.example.org")]
    [InlineData("not a url")]
    [InlineData("https://x.example.org/?q=1")]
    public void PlanInstall_RefusesABadPublicUrl(string url) =>
        Should.Throw<DomainException>(() => HomeserverDeployment.PlanInstall(ServerName.Parse("example.org"), url, HomeserverDatabase.Sqlite, "s:1", "", HomeserverDeployment.DefaultMemoryLimitBytes, 0.5, Secrets, Now));

    [Fact]
    public void PlanInstall_RefusesATooSmallMemoryLimit() =>
        Should.Throw<DomainException>(() => HomeserverDeployment.PlanInstall(ServerName.Parse("example.org"), "https://example.org", HomeserverDatabase.Sqlite, "s:1", "", 64L * 1024 * 1024, 0.5, Secrets, Now))
            .Message.ShouldContain("256 MiB");

    [Theory]
    [InlineData(0.0)]
    [InlineData(11.0)]
    [InlineData(double.NaN)]
    public void PlanInstall_RefusesAnUnreasonableCacheFactor(double factor) =>
        Should.Throw<DomainException>(() => HomeserverDeployment.PlanInstall(ServerName.Parse("example.org"), "https://example.org", HomeserverDatabase.Sqlite, "s:1", "", HomeserverDeployment.DefaultMemoryLimitBytes, factor, Secrets, Now));

    [Fact]
    public void Reinstall_AfterUninstallKeepingData_NeedsTheSameNameAndDatabase()
    {
        var d = Plan();
        d.MarkInstalled(Now);
        d.MarkUninstalled();

        Should.Throw<ConflictException>(() => d.PlanReinstall(ServerName.Parse("other.org"), "https://other.org", HomeserverDatabase.Postgres, "s:1", "p:1", HomeserverDeployment.DefaultMemoryLimitBytes, 0.5));
        Should.Throw<ConflictException>(() => d.PlanReinstall(ServerName.Parse("example.org"), "https://example.org", HomeserverDatabase.Sqlite, "s:1", "", HomeserverDeployment.DefaultMemoryLimitBytes, 0.5));

        d.PlanReinstall(ServerName.Parse("example.org"), "https://example.org", HomeserverDatabase.Postgres, "s:2", "p:1", HomeserverDeployment.DefaultMemoryLimitBytes, 0.5);
        d.Phase.ShouldBe(InstallPhase.Installing);
        d.SynapseImage.ShouldBe("s:2");
        d.RegistrationSharedSecretProtected.ShouldBe("a");
    }

    [Fact]
    public void Reinstall_WhileInstalled_IsAConflict()
    {
        var d = Plan();
        d.MarkInstalled(Now);

        Should.Throw<ConflictException>(() => d.PlanReinstall(ServerName.Parse("example.org"), "https://example.org", HomeserverDatabase.Postgres, "s:1", "p:1", HomeserverDeployment.DefaultMemoryLimitBytes, 0.5));
    }

    [Fact]
    public void Upgraded_KeepsThePreviousImage()
    {
        var d = Plan();

        d.Upgraded("synapse:2");

        d.SynapseImage.ShouldBe("synapse:2");
        d.PreviousSynapseImage.ShouldBe("synapse:1");
    }

    [Fact]
    public void AttachedHomeservers_AreNotManaged()
    {
        var d = HomeserverDeployment.Attach(ServerName.Parse("example.org"), "http://127.0.0.1:8008", "https://example.org", null, "@admin:example.org", "token", null, Now);

        Should.Throw<ConflictException>(d.EnsureManaged).Message.ShouldContain("attached");
    }
}
