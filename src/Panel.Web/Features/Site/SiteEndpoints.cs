using Panel.Web.Features.Accounts;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Site;

internal static class SiteEndpoints
{
    public static RouteGroupBuilder MapSiteApi(this RouteGroupBuilder api)
    {
        var settings = api.MapGroup("/settings").WithTags("Settings");
        settings.MapGet("/public-url", (PublicAddressService service, HttpContext http, CancellationToken ct) => service.ResolveAsync(http, ct))
            .WithSummary("The address invite and donate links use, where it comes from, and a warning when friends could not open it");
        settings.MapPut("/public-url", async (PublicUrlRequest body, PublicAddressService service, HttpContext http, ActorContext actor, CancellationToken ct) =>
                TypedResults.Ok(await service.SetAsync(body.PublicUrl, PublicAddressService.RequestBase(http), await actor.GetAsync(), ct)))
            .RequireAuthorization(PanelPolicies.ApiOwner)
            .WithSummary("Set the panel's public address (an empty value clears it); refused when Panel:PublicUrl is set in the configuration");
        return api;
    }
}
