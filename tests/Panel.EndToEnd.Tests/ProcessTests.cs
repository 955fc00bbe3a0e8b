using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Panel.Testing;

namespace Panel.EndToEnd.Tests;

/// <summary>The panel as a process: the headless admin commands and startup configuration.</summary>
public sealed class ProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CLI_creates_the_owner_once_and_prints_a_working_token_on_the_last_line()
    {
        await using var panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-cli"));

        var created = await panel.RunCliAsync(["create-owner", "--username", "carol", "--password-stdin"], "a long and memorable passphrase");
        created.ExitCode.ShouldBe(0, created.StandardError);
        var again = await panel.RunCliAsync(["create-owner", "--username", "mallory", "--password-stdin"], "another long passphrase");
        again.ExitCode.ShouldBe(1);
        again.StandardError.ShouldContain("already exists");

        var token = await panel.RunCliAsync(["create-api-token", "--name", "script"]);
        token.ExitCode.ShouldBe(0, token.StandardError);
        token.LastLine.ShouldStartWith("hsp_");

        await panel.StartAsync();
        var me = await panel.CreateClient(token.LastLine).GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        me.GetProperty("userName").GetString().ShouldBe("carol");
    }

    [Fact]
    public async Task CLI_with_weak_password_refuses_and_creates_nothing()
    {
        await using var panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-cli"));

        var weak = await panel.RunCliAsync(["create-owner", "--username", "dave", "--password-stdin"], "short");

        weak.ExitCode.ShouldBe(1);
        weak.StandardError.ShouldContain("12");
        (await panel.RunCliAsync(["create-api-token", "--name", "x"])).ExitCode.ShouldBe(1);
    }

    [Fact]
    public async Task CLI_reset_owner_password_lets_the_owner_back_in()
    {
        await using var panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-cli"));
        await panel.CreateOwnerAndTokenAsync("erin", "the first long passphrase");

        var reset = await panel.RunCliAsync(["reset-owner-password", "--password-stdin", "--disable-2fa"], "the second long passphrase");

        reset.ExitCode.ShouldBe(0, reset.StandardError);
        reset.StandardOutput.ShouldContain("two-factor");
    }

    [Fact]
    public async Task CLI_without_command_prints_usage()
    {
        await using var panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-cli"));

        var help = await panel.RunCliAsync(["help"]);

        help.ExitCode.ShouldBe(0);
        help.StandardOutput.ShouldContain("create-owner");
    }

    [Theory]
    [InlineData("Panel__Database__Provider", "Oracle", "Panel:Database:Provider")]
    [InlineData("Panel__Docker__Endpoint", "ftp://nope", "Panel:Docker:Endpoint")]
    [InlineData("Panel__PublicUrl", "not a url", "Panel:PublicUrl")]
    [InlineData("Panel__Homeserver__HostPort", "70000", "Panel:Homeserver:HostPort")]
    public async Task Startup_with_invalid_configuration_stops_and_names_the_key(string variable, string value, string key)
    {
        await using var panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-cfg"), new Dictionary<string, string> { [variable] = value });

        var error = await Should.ThrowAsync<InvalidOperationException>(() => panel.StartAsync(TimeSpan.FromSeconds(30)));

        error.Message.ShouldContain(key);
        error.Message.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task The_healthcheck_command_exits_zero_against_a_healthy_panel_and_one_when_nothing_answers()
    {
        await using var panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-cli"));
        await panel.StartAsync();

        var healthy = await ProcessRunner.RunAsync("dotnet", PanelProcess.PanelDll, "healthcheck", panel.BaseUrl);
        healthy.ExitCode.ShouldBe(0, healthy.Output);
        healthy.Output.ShouldContain("healthy");

        var nobody = await ProcessRunner.RunAsync("dotnet", PanelProcess.PanelDll, "healthcheck", $"http://127.0.0.1:{FreePort.Next()}");
        nobody.ExitCode.ShouldBe(1);
        nobody.Output.ShouldContain("does not answer");
    }

    [Fact]
    public async Task Startup_with_PostgreSQL_but_no_connection_string_names_the_missing_key()
    {
        await using var panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-cfg"), new Dictionary<string, string> { ["Panel__Database__Provider"] = "Postgres" });

        (await Should.ThrowAsync<InvalidOperationException>(() => panel.StartAsync(TimeSpan.FromSeconds(30)))).Message.ShouldContain("ConnectionStrings:Panel");
    }

    [Fact]
    public async Task Panel_runs_on_PostgreSQL_when_configured()
    {
        await using var database = new PostgresDatabase();
        await database.InitializeAsync();
        await using var panel = new PanelProcess(TestEnvironment.NewTempDirectory("panel-pg"), new Dictionary<string, string>
        {
            ["Panel__Database__Provider"] = "Postgres",
            ["ConnectionStrings__Panel"] = database.ConnectionString,
        });

        var token = await panel.CreateOwnerAndTokenAsync();
        await panel.StartAsync();

        var health = await panel.CreateClient().GetFromJsonAsync<JsonElement>("/healthz", Ct);
        health.GetProperty("checks").GetProperty("database").GetProperty("message").GetString()!.ShouldContain("PostgreSQL");
        (await panel.CreateClient(token).GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
