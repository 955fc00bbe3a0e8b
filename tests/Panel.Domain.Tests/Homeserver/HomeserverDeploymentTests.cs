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
    public void Plan_install_starts_installing_and_normalises_the_public_URL()
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
    public void Plan_install_refuses_a_bad_public_URL(string url) =>
        Should.Throw<DomainException>(() => HomeserverDeployment.PlanInstall(ServerName.Parse("example.org"), url, HomeserverDatabase.Sqlite, "s:1", "", HomeserverDeployment.DefaultMemoryLimitBytes, 0.5, Secrets, Now));

    [Fact]
    public void Plan_install_refuses_a_too_small_memory_limit() =>
        Should.Throw<DomainException>(() => HomeserverDeployment.PlanInstall(ServerName.Parse("example.org"), "https://example.org", HomeserverDatabase.Sqlite, "s:1", "", 64L * 1024 * 1024, 0.5, Secrets, Now))
            .Message.ShouldContain("256 MiB");

    [Theory]
    [InlineData(0.0)]
    [InlineData(11.0)]
    [InlineData(double.NaN)]
    public void Plan_install_refuses_an_unreasonable_cache_factor(double factor) =>
        Should.Throw<DomainException>(() => HomeserverDeployment.PlanInstall(ServerName.Parse("example.org"), "https://example.org", HomeserverDatabase.Sqlite, "s:1", "", HomeserverDeployment.DefaultMemoryLimitBytes, factor, Secrets, Now));

    [Fact]
    public void Reinstall_after_uninstall_keeping_data_needs_the_same_name_and_database()
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
    public void Reinstall_while_installed_is_a_conflict()
    {
        var d = Plan();
        d.MarkInstalled(Now);

        Should.Throw<ConflictException>(() => d.PlanReinstall(ServerName.Parse("example.org"), "https://example.org", HomeserverDatabase.Postgres, "s:1", "p:1", HomeserverDeployment.DefaultMemoryLimitBytes, 0.5));
    }

    [Fact]
    public void Upgraded_keeps_the_previous_image()
    {
        var d = Plan();

        d.Upgraded("synapse:2");

        d.SynapseImage.ShouldBe("synapse:2");
        d.PreviousSynapseImage.ShouldBe("synapse:1");
    }

    [Fact]
    public void Attached_homeservers_are_not_managed()
    {
        var d = HomeserverDeployment.Attach(ServerName.Parse("example.org"), "http://127.0.0.1:8008", "https://example.org", null, "@admin:example.org", "token", null, Now);

        Should.Throw<ConflictException>(d.EnsureManaged).Message.ShouldContain("attached");
    }

    [Fact]
    public void An_interrupted_install_is_resumed_at_once_then_after_one_and_five_minutes_then_given_up()
    {
        var d = Plan();

        d.NextAutomaticInstallAttempt().ShouldBe(DateTimeOffset.MinValue);
        d.BeginAutomaticInstallAttempt(Now);
        d.NextAutomaticInstallAttempt().ShouldBe(Now.AddMinutes(1));
        d.BeginAutomaticInstallAttempt(Now.AddMinutes(1));
        d.NextAutomaticInstallAttempt().ShouldBe(Now.AddMinutes(6));
        d.BeginAutomaticInstallAttempt(Now.AddMinutes(6));

        d.NextAutomaticInstallAttempt().ShouldBeNull();
        Should.Throw<ConflictException>(() => d.BeginAutomaticInstallAttempt(Now.AddHours(1)));
        d.GiveUpInterruptedInstall();
        d.Phase.ShouldBe(InstallPhase.Failed);
        d.LastError!.ShouldContain("interrupted 3 times");
        d.LastError!.ShouldContain("Install again");
    }

    [Fact]
    public void A_person_retrying_the_install_starts_the_automatic_attempts_afresh()
    {
        var d = Plan();
        d.BeginAutomaticInstallAttempt(Now);
        d.BeginAutomaticInstallAttempt(Now.AddMinutes(1));
        d.BeginAutomaticInstallAttempt(Now.AddMinutes(6));
        d.GiveUpInterruptedInstall();

        d.RetryInstall();

        d.Phase.ShouldBe(InstallPhase.Installing);
        d.AutomaticInstallAttempts.ShouldBe(0);
        d.NextAutomaticInstallAttempt().ShouldBe(DateTimeOffset.MinValue);
    }

    [Fact]
    public void A_failed_or_installed_homeserver_is_never_resumed_by_itself()
    {
        var failed = Plan();
        failed.MarkFailed("the engine refused");
        var installed = Plan();
        installed.MarkInstalled(Now);

        failed.NextAutomaticInstallAttempt().ShouldBeNull();
        installed.NextAutomaticInstallAttempt().ShouldBeNull();
    }
}
