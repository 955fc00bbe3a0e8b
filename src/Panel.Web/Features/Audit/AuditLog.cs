using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Audit;
using Panel.Infrastructure.Persistence;

namespace Panel.Web.Features.Audit;

/// <summary>Writes and reads the append-only audit log. Writing never throws into the caller's flow.</summary>
public interface IAuditLog
{
    Task RecordAsync(AuditActor actor, string action, string? target, AuditOutcome outcome, string? details = null, CancellationToken cancellationToken = default);

    Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Every matching entry, oldest first, as CSV lines (header first).</summary>
    IAsyncEnumerable<string> ExportCsvAsync(AuditQuery query, CancellationToken cancellationToken);
}

public sealed record AuditQuery(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Actor = null,
    string? Action = null,
    AuditOutcome? Outcome = null,
    int Skip = 0,
    int Take = 50)
{
    public const int MaxTake = 500;
}

public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int Total);

internal sealed partial class AuditLog(IDbContextFactory<PanelDbContext> contexts, TimeProvider clock, ILogger<AuditLog> logger) : IAuditLog
{
    public async Task RecordAsync(AuditActor actor, string action, string? target, AuditOutcome outcome, string? details = null, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.AuditEntries.Add(AuditEntry.Record(clock.GetUtcNow(), actor.Name, action, target, actor.SourceAddress, outcome, details));
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The action itself has happened; failing it now because its log line could not be
            // written would be worse. The failure is logged loudly instead.
            LogWriteFailed(logger, action, ex);
        }
    }

    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var filtered = Filter(db.AuditEntries.AsNoTracking(), query);
        var total = await filtered.CountAsync(cancellationToken);
        var items = await filtered
            .OrderByDescending(e => e.Timestamp).ThenByDescending(e => e.Id)
            .Skip(Math.Max(0, query.Skip))
            .Take(Math.Clamp(query.Take, 1, AuditQuery.MaxTake))
            .ToListAsync(cancellationToken);
        return new AuditPage(items, total);
    }

    public async IAsyncEnumerable<string> ExportCsvAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return "id,timestamp,actor,action,target,source,outcome,details";
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = Filter(db.AuditEntries.AsNoTracking(), query).OrderBy(e => e.Timestamp).ThenBy(e => e.Id).AsAsyncEnumerable();
        await foreach (var e in rows.WithCancellation(cancellationToken))
        {
            yield return string.Join(',',
                e.Id.ToString(CultureInfo.InvariantCulture),
                e.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                Csv(e.Actor), Csv(e.Action), Csv(e.Target), Csv(e.SourceAddress), e.Outcome.ToString(), Csv(e.Details));
        }
    }

    private static IQueryable<AuditEntry> Filter(IQueryable<AuditEntry> entries, AuditQuery query)
    {
        if (query.From is { } from)
        {
            entries = entries.Where(e => e.Timestamp >= from.ToUniversalTime());
        }

        if (query.To is { } to)
        {
            entries = entries.Where(e => e.Timestamp <= to.ToUniversalTime());
        }

        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            var actor = query.Actor.Trim();
            entries = entries.Where(e => e.Actor.Contains(actor));
        }

        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            var action = query.Action.Trim();
            entries = entries.Where(e => e.Action.StartsWith(action));
        }

        if (query.Outcome is { } outcome)
        {
            entries = entries.Where(e => e.Outcome == outcome);
        }

        return entries;
    }

    // Quotes every field that needs it, and defuses spreadsheet formulas (a value starting with
    // = + - @ would run as a formula when the export is opened in a spreadsheet).
    internal static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var text = value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
        if (text.AsSpan().IndexOfAny("\",\r\n") < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 8).Append('"');
        foreach (var c in text)
        {
            sb.Append(c == '"' ? "\"\"" : c.ToString());
        }

        return sb.Append('"').ToString();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the audit entry for {Action}")]
    private static partial void LogWriteFailed(ILogger logger, string action, Exception ex);
}

internal static class AuditEndpoints
{
    /// <summary>CSV export for the audit page (cookie-authenticated, a GET that changes nothing).</summary>
    public static IEndpointRouteBuilder MapAuditExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/audit/export.csv", async (HttpContext context, DateTimeOffset? from, DateTimeOffset? to, string? actor, string? action, AuditOutcome? outcome, IAuditLog audit) =>
        {
            context.Response.ContentType = "text/csv; charset=utf-8";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv\"";
            await foreach (var line in audit.ExportCsvAsync(new AuditQuery(from, to, actor, action, outcome), context.RequestAborted))
            {
                await context.Response.WriteAsync(line + "\n", context.RequestAborted);
            }
        }).ExcludeFromDescription();
        return endpoints;
    }
}
