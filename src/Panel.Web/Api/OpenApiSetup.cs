using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Panel.Web.Features.Accounts;

namespace Panel.Web.Api;

internal static class OpenApiSetup
{
    public const string PublicExtension = "x-panel-public";
    public const string RoleExtension = "x-panel-role";

    /// <summary>
    /// The OpenAPI document at <c>/openapi/v1.json</c>. Each operation says whether it is public and
    /// which role it needs, so that tooling (and the authorization sweep test) can read it.
    /// </summary>
    public static IServiceCollection AddPanelOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Homeserver Panel API";
                document.Info.Description = "Everything the panel's UI does, for scripts. Authenticate with 'Authorization: Bearer <token>'; create tokens under Settings → API tokens or with 'admin create-api-token'.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "An API token of the panel (hsp_...).",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var isPublic = metadata.OfType<IAllowAnonymous>().Any();
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions[PublicExtension] = new JsonNodeExtension(JsonValue.Create(isPublic));
                if (!isPublic)
                {
                    // The most demanding policy on the endpoint or its groups names the role.
                    var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToList();
                    var role = policies.Contains(PanelPolicies.ApiOwner) ? "Owner" : policies.Contains(PanelPolicies.ApiAdmin) ? "Admin" : "Moderator";
                    operation.Extensions[RoleExtension] = new JsonNodeExtension(JsonValue.Create(role));
                }

                return Task.CompletedTask;
            });
        });
}
