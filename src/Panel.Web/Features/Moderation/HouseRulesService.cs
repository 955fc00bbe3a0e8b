using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Audit;
using Panel.Domain.Moderation;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Moderation;

/// <summary>The house rules: their Markdown, the HTML a friend reads, and which version it is.</summary>
public sealed record HouseRules(string? Markdown, string? Html, int Version, DateTimeOffset? ChangedAt)
{
    public bool Any => Markdown is not null;
}

/// <summary>
/// The server's house rules. A friend accepts them before their account is made; the acceptance and
/// the version it was for are recorded, and the audit log says so.
/// </summary>
public sealed class HouseRulesService(
    IDbContextFactory<PanelDbContext> contexts,
    Homeserver.HomeserverAccess homeserver,
    AnnouncementService announcements,
    IAuditLog audit,
    TimeProvider clock)
{
    /// <summary>Where people read and accept the rules again, on the panel's public address.</summary>
    public const string Path = "/rules";

    // Raw HTML in the rules is shown as text; links only to the web or mail.
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().UseAutoLinks().Build();

    public async Task<HouseRules> GetAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var state = await db.ModerationState.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        return state?.Rules is { } rules
            ? new HouseRules(rules, ToHtml(rules), state.RulesVersion, state.RulesChangedAt)
            : new HouseRules(null, null, state?.RulesVersion ?? 0, state?.RulesChangedAt);
    }

    /// <summary>
    /// Saves the rules. With <paramref name="askAgain"/>, a changed text is announced to everyone with
    /// a link (<paramref name="panelBaseUrl"/> + <see cref="Path"/>) to read and accept it.
    /// </summary>
    public async Task<HouseRules> SaveAsync(string? markdown, bool askAgain, string panelBaseUrl, AuditActor actor, CancellationToken cancellationToken)
    {
        var changed = false;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var state = await db.ModerationState.SingleOrAddAsync(ModerationState.Default, cancellationToken);

            if (state.SetRules(markdown, clock.GetUtcNow()))
            {
                changed = true;
                await db.SaveChangesAsync(cancellationToken);
                await audit.RecordAsync(actor, "rules.changed", "house-rules", AuditOutcome.Success,
                    state.Rules is null ? "removed" : $"version {state.RulesVersion}, {state.Rules.Length} characters", cancellationToken);
            }
        }

        var rules = await GetAsync(cancellationToken);
        if (askAgain && changed && rules.Any)
        {
            var d = await homeserver.GetDeploymentAsync(cancellationToken);
            var text = $"The house rules of {d?.ServerName ?? "this server"} changed (version {rules.Version}). Please read them and accept them here: {panelBaseUrl.TrimEnd('/')}{Path}";
            // On a server with nobody else yet, there is nobody to ask.
            if (await announcements.AudienceSizeAsync(null, cancellationToken) > 0)
            {
                await announcements.StartAsync(text, null, actor, cancellationToken);
            }
        }

        return rules;
    }

    /// <summary>How many people accepted the current version.</summary>
    public async Task<int> AcceptedCountAsync(int version, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.RulesAcceptances.Where(a => a.Version == version).Select(a => a.UserId).Distinct().CountAsync(cancellationToken);
    }

    /// <summary>An existing user accepts the current rules, proving who they are with their Matrix password.</summary>
    public async Task<string> AcceptAsync(string? user, string? password, int? version, string? sourceAddress, CancellationToken cancellationToken)
    {
        var current = await RequireAcceptedAsync(version, cancellationToken)
            ?? throw new Panel.Domain.Common.DomainException("This server has no house rules to accept.");
        if (string.IsNullOrWhiteSpace(user) || user.Length > 255 || string.IsNullOrEmpty(password) || password.Length > Users.UsersService.MaximumPasswordLength)
        {
            throw new Panel.Domain.Common.DomainException("Give your username and your password.");
        }

        var userId = await homeserver.VerifyPasswordAsync(user, password, cancellationToken)
            ?? throw new Panel.Domain.Common.DomainException("That username and password do not match an account of this server.");
        await RecordAsync(userId, current, sourceAddress, cancellationToken);
        return userId;
    }

    /// <summary>Refuses a sign-up that did not accept the current rules (when there are rules).</summary>
    public async Task<int?> RequireAcceptedAsync(int? acceptedVersion, CancellationToken cancellationToken)
    {
        var rules = await GetAsync(cancellationToken);
        if (!rules.Any)
        {
            return null;
        }

        if (acceptedVersion != rules.Version)
        {
            throw new Panel.Domain.Common.DomainException(acceptedVersion is null
                ? "Read the house rules and accept them to make an account."
                : "The house rules changed while this page was open: read them again and accept them.");
        }

        return rules.Version;
    }

    /// <summary>Records that a person accepted a version, with an audit entry in their name.</summary>
    public async Task RecordAsync(string userId, int version, string? sourceAddress, CancellationToken cancellationToken)
    {
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.RulesAcceptances.Add(RulesAcceptance.Record(userId, version, sourceAddress, clock.GetUtcNow()));
            await db.SaveChangesAsync(cancellationToken);
        }

        await audit.RecordAsync(new AuditActor(userId, sourceAddress), "rules.accepted", userId, AuditOutcome.Success, $"house rules version {version}", cancellationToken);
    }

    /// <summary>The rules as HTML: Markdown without raw HTML, and links only to http(s) and mailto.</summary>
    public static string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (link.Url is { } url && !(url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)))
            {
                link.Url = "#";
            }
        }

        return document.ToHtml(Pipeline);
    }
}
