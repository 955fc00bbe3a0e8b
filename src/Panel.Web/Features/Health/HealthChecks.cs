using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Panel.Infrastructure.Persistence;

namespace Panel.Web.Features.Health;

/// <summary>
/// The last result of each check, reused for a second: /healthz is polled by container health checks
/// and monitors, and a Docker ping plus a database connection per request made it the slowest
/// anonymous endpoint (194 requests/s against about 2,000 for the donate page). One refresh runs at a
/// time; requests meanwhile get the result before it (under load, every request that found the
/// result stale ran its own check, and p99 went to 400 ms).
/// </summary>
public sealed class HealthResultCache(TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (DateTimeOffset At, HealthCheckResult Result)> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task<HealthCheckResult>> _refreshing = new(StringComparer.Ordinal);

    public Task<HealthCheckResult> GetAsync(string check, Func<Task<HealthCheckResult>> run)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            var known = _results.TryGetValue(check, out var last);
            if (known && now - last.At < MaxAge)
            {
                return Task.FromResult(last.Result);
            }

            if (_refreshing.TryGetValue(check, out var refreshing))
            {
                return known ? Task.FromResult(last.Result) : refreshing;
            }

            // On the pool, so that its end (which takes the lock) comes after it is recorded here.
            var refresh = Task.Run(() => RefreshAsync(check, run, now));
            _refreshing[check] = refresh;
            return refresh;
        }
    }

    private async Task<HealthCheckResult> RefreshAsync(string check, Func<Task<HealthCheckResult>> run, DateTimeOffset at)
    {
        try
        {
            var result = await run();
            lock (_lock)
            {
                _results[check] = (at, result);
            }

            return result;
        }
        finally
        {
            lock (_lock)
            {
                _refreshing.Remove(check);
            }
        }
    }
}

internal sealed class DatabaseHealthCheck(IDbContextFactory<PanelDbContext> contexts, HealthResultCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        cache.GetAsync(context.Registration.Name, () => CheckAsync(cancellationToken));

    private async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            // By the context's type, not Database.IsNpgsql(): that extension alone loaded the PostgreSQL
            // provider's assembly into every panel on SQLite, at the first /healthz.
            var provider = db is Panel.Infrastructure.Persistence.Postgres.PostgresPanelDbContext ? "PostgreSQL" : "SQLite";
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

internal sealed class DockerHealthCheck(DockerStatusMonitor monitor, HealthResultCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        cache.GetAsync(context.Registration.Name, async () =>
        {
            var status = await monitor.RefreshAsync(cancellationToken);
            return status.Reachable
                ? HealthCheckResult.Healthy(status.Message)
                : new HealthCheckResult(context.Registration.FailureStatus, status.Message);
        });
}

public static class HealthExtensions
{
    public static IServiceCollection AddPanelHealth(this IServiceCollection services)
    {
        services.AddSingleton<DockerStatusMonitor>();
        services.AddSingleton<HealthResultCache>();
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
