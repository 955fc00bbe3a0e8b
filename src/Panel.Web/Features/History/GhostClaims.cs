using Microsoft.EntityFrameworkCore;
using Panel.Domain.Common;
using Panel.Domain.History;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Infrastructure.Slack;
using Panel.Web.Features.Audit;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.History;

/// <summary>A Slack person of an import: their ghost, the member who claimed it, and the member whose e-mail matches.</summary>
public sealed record SlackPersonView(string SlackId, string Name, string? Email, string Ghost, bool Bot, bool Deleted, string? ClaimedBy, string? How, string? Suggested);

public sealed record GhostClaimRequest(string? UserId);

/// <summary>
/// Linking a member of the server to their Slack self: matched by the export's e-mail address where
/// a member has it, or chosen by hand. The ghost's name then says who it is now, and the member is
/// invited to the rooms the person was in; the old messages keep the ghost as their sender.
/// </summary>
public sealed class GhostClaims(
    IDbContextFactory<PanelDbContext> contexts,
    SlackImports imports,
    HomeserverAccess homeserver,
    HistoryAppServices appservice,
    IAuditLog audit,
    TimeProvider clock)
{
    public async Task<IReadOnlyList<SlackPersonView>> PeopleAsync(Guid importId, CancellationToken cancellationToken)
    {
        var (people, workspace) = await ExportPeopleAsync(importId, cancellationToken);
        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var claims = await db.GhostClaims.AsNoTracking().Where(c => c.Workspace == workspace).ToDictionaryAsync(c => c.SlackUserId, cancellationToken);
        // One lookup per address, a few at a time, remembered for a while: a workspace of hundreds
        // would otherwise ask Synapse hundreds of times on every page load.
        var emails = people.Where(p => !claims.ContainsKey(p.Id) && !p.Bot && !string.IsNullOrWhiteSpace(p.Email)).Select(p => p.Email!.Trim().ToLowerInvariant()).Distinct().ToList();
        var found = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var batch in emails.Chunk(8))
        {
            var answers = await Task.WhenAll(batch.Select(e => MemberWithEmailAsync(admin, e, cancellationToken)));
            for (var i = 0; i < batch.Length; i++)
            {
                found[batch[i]] = answers[i];
            }
        }

        return [.. people.Select(p =>
        {
            claims.TryGetValue(p.Id, out var claim);
            var suggested = claim is null && p.Email is { } e ? found.GetValueOrDefault(e.Trim().ToLowerInvariant()) : null;
            return new SlackPersonView(p.Id, p.ShownName, p.Email, $"@{p.GhostLocalpart}:{d.ServerName}", p.Bot, p.Deleted, claim?.MatrixUserId, claim?.How, suggested);
        })];
    }

    private static readonly TimeSpan EmailLookupLifetime = TimeSpan.FromMinutes(2);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string? UserId, DateTimeOffset At)> _byEmail = new(StringComparer.Ordinal);

    private async Task<string?> MemberWithEmailAsync(IHomeserverAdmin admin, string email, CancellationToken cancellationToken)
    {
        if (_byEmail.TryGetValue(email, out var known) && clock.GetUtcNow() - known.At < EmailLookupLifetime)
        {
            return known.UserId;
        }

        var userId = await admin.FindUserByEmailAsync(email, cancellationToken);
        _byEmail[email] = (userId, clock.GetUtcNow());
        return userId;
    }

    /// <summary>Claims the person for <see cref="GhostClaimRequest.UserId"/>, or for the member whose e-mail matches when none is given.</summary>
    public async Task<SlackPersonView> ClaimAsync(Guid importId, string slackId, GhostClaimRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        var (people, workspace) = await ExportPeopleAsync(importId, cancellationToken);
        var person = people.FirstOrDefault(p => p.Id == slackId) ?? throw new NotFoundException($"The export has no person {slackId}.");
        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        string userId, how;
        if (string.IsNullOrWhiteSpace(request.UserId))
        {
            userId = (string.IsNullOrWhiteSpace(person.Email) ? null : await admin.FindUserByEmailAsync(person.Email, cancellationToken))
                ?? throw new DomainException($"No member of this server has {person.Email ?? "an e-mail address from the export"}: choose the member by hand.");
            how = "email";
        }
        else
        {
            userId = request.UserId.Trim();
            if (!userId.StartsWith('@') || !userId.EndsWith(":" + d.ServerName, StringComparison.Ordinal) || await admin.GetUserAsync(userId, cancellationToken) is null)
            {
                throw new DomainException($"{userId} is not a member of this server (@name:{d.ServerName}).");
            }

            how = "hand";
        }

        var writer = await appservice.RegisteredWriterAsync(d, cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.GhostClaims.SingleOrDefaultAsync(c => c.Workspace == workspace && c.SlackUserId == slackId, cancellationToken);
        if (existing is not null)
        {
            db.GhostClaims.Remove(existing);
        }

        db.GhostClaims.Add(GhostClaim.Of(workspace, slackId, userId, how, clock.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);

        // The ghost says who it is now; the member is let into the rooms the person was in.
        await writer.EnsureUserAsync(person.GhostLocalpart, SlackNames.ClaimedName(person.ShownName, userId), cancellationToken);
        var rooms = await RoomsOfAsync(db, workspace, slackId, cancellationToken);
        foreach (var room in rooms)
        {
            await writer.InviteAsync(room, $"@{HistoryAppService.BotLocalpart}:{d.ServerName}", userId, cancellationToken);
        }

        await audit.RecordAsync(actor, "history.ghost-claim", $"{person.ShownName} ({slackId})", Panel.Domain.Audit.AuditOutcome.Success,
            $"claimed by {userId} ({(how == "email" ? "matched by e-mail" : "chosen by hand")}); invited to {rooms.Count} room(s)", cancellationToken);
        return new SlackPersonView(person.Id, person.ShownName, person.Email, $"@{person.GhostLocalpart}:{d.ServerName}", person.Bot, person.Deleted, userId, how, null);
    }

    private async Task<(IReadOnlyList<SlackPerson> People, string Workspace)> ExportPeopleAsync(Guid importId, CancellationToken cancellationToken)
    {
        var view = await imports.GetAsync(importId, cancellationToken) ?? throw new NotFoundException("There is no such upload.");
        var path = await imports.StoredPathAsync(importId, cancellationToken);
        if (path is null || !File.Exists(path))
        {
            throw new DomainException("The upload's file is gone: upload the export again.");
        }

        using var export = SlackExportReader.Open(path);
        return (export.People, view.Workspace);
    }

    /// <summary>The rooms the import made the person a member of (recorded as "member:&lt;id&gt;" beside each channel's "room").</summary>
    private static async Task<List<string>> RoomsOfAsync(PanelDbContext db, string workspace, string slackId, CancellationToken cancellationToken)
    {
        var channels = await db.ImportedEvents.AsNoTracking().Where(e => e.Workspace == workspace && e.Key == "member:" + slackId).Select(e => e.Channel).ToListAsync(cancellationToken);
        return await db.ImportedEvents.AsNoTracking().Where(e => e.Workspace == workspace && e.Key == "room" && channels.Contains(e.Channel)).Select(e => e.MatrixId).ToListAsync(cancellationToken);
    }
}
