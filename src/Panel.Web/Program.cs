using Panel.Web.Cli;
using Panel.Web.Hosting;

// `admin ...` runs a headless command (create the owner, issue an API token, reset a password)
// with the same configuration as the server, then exits.
if (AdminCli.IsAdminCommand(args))
{
    return await AdminCli.RunAsync(args);
}

// `healthcheck` asks the running panel's /healthz (the container image's HEALTHCHECK).
if (HealthCheckCli.IsHealthCheck(args))
{
    return await HealthCheckCli.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(PanelHostingExtensions.Options(args));
builder.AddPanel();

var app = builder.Build();
if (!app.ValidateConfiguration())
{
    return 2;
}

app.UsePanel();

return await app.RunPanelAsync();
