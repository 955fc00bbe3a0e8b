using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Panel.Infrastructure.Persistence;

namespace Panel.Web.Features.Health;

internal sealed class DatabaseHealthCheck(IDbContextFactory<PanelDbContext> contexts) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var provider = db.Database.IsNpgsql() ? "PostgreSQL" : "SQLite";
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy($"{provider} database is reachable.")
                : HealthCheckResult.Unhealthy($"{provider} database cannot be reached.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database cannot be reached: " + ex.GetType().Name);
        }
    }
}

internal sealed class DockerHealthCheck(DockerStatusMonitor monitor) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = await monitor.RefreshAsync(cancellationToken);
        return status.Reachable
            ? HealthCheckResult.Healthy(status.Message)
            : new HealthCheckResult(context.Registration.FailureStatus, status.Message);
    }
}

public static class HealthExtensions
{
    public static IServiceCollection AddPanelHealth(this IServiceCollection services)
    {
        services.AddSingleton<DockerStatusMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<DockerStatusMonitor>());
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy)
            // Without Docker the panel still serves its pages, invites and donations: degraded, not down.
            .AddCheck<DockerHealthCheck>("docker", HealthStatus.Degraded);
        return services;
    }

    /// <summary><c>GET /healthz</c>: no auth; the state of the database and of Docker, each with a message.</summary>
    public static IEndpointConventionBuilder MapPanelHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymous().DisableHttpMetrics();

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            durationMs = (int)report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString().ToLowerInvariant(), message = e.Value.Description }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, JsonSerializerOptions.Web, context.RequestAborted);
    }
}
