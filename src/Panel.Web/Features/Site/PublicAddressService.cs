using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Domain.Site;
using Panel.Infrastructure.Configuration;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Site;

/// <summary>
/// Where links for friends point, and why: "configuration" (Panel:PublicUrl, which wins), "panel"
/// (set by the owner on a page) or "request" (the address this page was opened at, a guess).
/// <see cref="Warning"/> says in words when the links will not work for someone else.
/// </summary>
public sealed record PublicUrlView(string BaseUrl, string Source, bool LocalOnly, string? Warning)
{
    public bool Editable => Source != "configuration";
}

public sealed record PublicUrlRequest(string? PublicUrl);

/// <summary>The panel's public address: the one home for building links that leave this machine.</summary>
public sealed class PublicAddressService(IDbContextFactory<PanelDbContext> contexts, IOptions<PanelOptions> options, IAuditLog audit)
{
    // Read on every invite and donate page: cached, and replaced when the owner sets it here.
    private volatile string? _stored;
    private volatile bool _loaded;

    /// <summary>The address links use, given the address of the request that asks (its scheme, host and base path).</summary>
    public async Task<PublicUrlView> ResolveAsync(string requestBaseUrl, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.PublicUrl))
        {
            return View(options.Value.PublicUrl.TrimEnd('/'), "configuration");
        }

        return await StoredAsync(cancellationToken) is { } stored ? View(stored, "panel") : View(requestBaseUrl.TrimEnd('/'), "request");
    }

    public Task<PublicUrlView> ResolveAsync(HttpContext http, CancellationToken cancellationToken) => ResolveAsync(RequestBase(http), cancellationToken);

    /// <summary>The address a request came in at: its scheme, host and base path.</summary>
    public static string RequestBase(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";

    public async Task<PublicUrlView> SetAsync(string? url, string requestBaseUrl, AuditActor actor, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.PublicUrl))
        {
            throw new DomainException($"The public address is set in the panel's configuration (Panel:PublicUrl = {options.Value.PublicUrl}); change it there.");
        }

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var settings = await db.SiteSettings.SingleOrAddAsync(SiteSettings.Default, cancellationToken);

            settings.SetPublicUrl(url);
            await db.SaveChangesAsync(cancellationToken);
            _stored = settings.PublicUrl;
            _loaded = true;
        }

        await audit.RecordAsync(actor, "panel.public-url", "panel", AuditOutcome.Success, _stored ?? "cleared: links use the address each page is opened at", cancellationToken);
        return await ResolveAsync(requestBaseUrl, cancellationToken);
    }

    private async Task<string?> StoredAsync(CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            _stored = (await db.SiteSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken))?.PublicUrl;
            _loaded = true;
        }

        return _stored;
    }

    private static PublicUrlView View(string url, string source)
    {
        var local = PublicAddress.IsLocalOnly(url);
        var host = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : url;
        var warning = (local, source) switch
        {
            (true, "request") => $"Invite links use the address this page was opened at, {host}, which only works on this machine or its local network. Set the panel's public address so that friends can open them.",
            (true, _) => $"The panel's public address, {host}, only works on this machine or its local network: friends elsewhere cannot open invite links.",
            (false, "request") => $"Invite links use the address this page was opened at, {url}. Set it as the panel's public address so that links do not depend on how you reached the panel.",
            _ => null,
        };
        return new PublicUrlView(url, source, local, warning);
    }
}
