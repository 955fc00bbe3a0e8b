using Microsoft.AspNetCore.Components.Authorization;

namespace Panel.Web.Features.Audit;

/// <summary>
/// Works out who is acting for the current request or Blazor circuit. In a circuit there is no
/// HttpContext per action, so the client address is captured when the circuit opens.
/// </summary>
public sealed class ActorContext(IHttpContextAccessor http, AuthenticationStateProvider? authState = null)
{
    public string? CircuitClientAddress { get; set; }

    public async Task<AuditActor> GetAsync()
    {
        var context = http.HttpContext;
        if (context is not null && !context.WebSockets.IsWebSocketRequest && context.Request.Path.StartsWithSegments("/_blazor") is false)
        {
            return AuditActor.From(context.User, ClientAddress(context));
        }

        if (authState is not null)
        {
            var state = await authState.GetAuthenticationStateAsync();
            return AuditActor.From(state.User, CircuitClientAddress);
        }

        return AuditActor.Anonymous(CircuitClientAddress);
    }

    public static string? ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
