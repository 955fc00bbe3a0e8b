using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Panel.Web.Tests.Host;

/// <summary>
/// Built from the OpenAPI document, so that every endpoint added later is covered without editing
/// this test: whatever is not marked public refuses a caller without a token, and whatever is marked
/// for the Owner refuses an Admin.
/// </summary>
public sealed class AuthorizationSweepTests(PanelWebFactory factory) : IClassFixture<PanelWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Operation(string Method, string Path, string Url, bool Public, string? Role);

    [Fact]
    public async Task Every_non_public_api_endpoint_answers_401_without_a_token()
    {
        var operations = await OperationsAsync();
        var client = factory.CreateApiClient();
        var failures = new List<string>();
        foreach (var op in operations.Where(o => !o.Public && o.Path.StartsWith("/api/v1", StringComparison.Ordinal)))
        {
            var response = await client.SendAsync(Request(op), Ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{op.Method} {op.Url} answered {(int)response.StatusCode}");
            }
        }

        failures.ShouldBeEmpty();
        operations.Count(o => o.Path.StartsWith("/api/v1", StringComparison.Ordinal)).ShouldBeGreaterThan(50, "the sweep must see the whole API");
    }

    [Fact]
    public async Task Every_owner_only_endpoint_answers_403_to_an_admin()
    {
        var operations = await OperationsAsync();
        var client = factory.CreateApiClient(await factory.CreateAdminTokenAsync());
        var ownerOnly = operations.Where(o => o.Role == "Owner" && o.Path.StartsWith("/api/v1", StringComparison.Ordinal)).ToList();
        var failures = new List<string>();
        foreach (var op in ownerOnly)
        {
            var response = await client.SendAsync(Request(op), Ct);
            if (response.StatusCode != HttpStatusCode.Forbidden)
            {
                failures.Add($"{op.Method} {op.Url} answered {(int)response.StatusCode}");
            }
        }

        failures.ShouldBeEmpty();
        ownerOnly.Count.ShouldBeGreaterThan(15);
        // The destructive and the money-moving ones are among them.
        ownerOnly.ShouldContain(o => o.Method == "POST" && o.Path == "/api/v1/backups/{id}/restore");
        ownerOnly.ShouldContain(o => o.Method == "DELETE" && o.Path == "/api/v1/homeserver");
        ownerOnly.ShouldContain(o => o.Method == "POST" && o.Path == "/api/v1/bridges");
    }

    [Fact]
    public async Task A_moderator_is_refused_on_every_server_management_endpoint_and_reaches_the_moderation_ones()
    {
        var operations = await OperationsAsync();
        var client = factory.CreateApiClient(await factory.CreateModeratorTokenAsync());
        var failures = new List<string>();
        foreach (var op in operations.Where(o => !o.Public && o.Path.StartsWith("/api/v1", StringComparison.Ordinal)))
        {
            var status = (await client.SendAsync(Request(op), Ct)).StatusCode;
            var refused = status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized;
            if (op.Role == "Moderator" ? refused : status != HttpStatusCode.Forbidden)
            {
                failures.Add($"{op.Method} {op.Url} ({op.Role}) answered {(int)status}");
            }
        }

        failures.ShouldBeEmpty();
        operations.Count(o => o.Role == "Moderator").ShouldBeGreaterThan(8, "the moderation API is in the sweep");
        operations.ShouldContain(o => o.Role == "Moderator" && o.Method == "DELETE" && o.Path == "/api/v1/moderation/reports/{id}");
    }

    [Fact]
    public async Task Every_operation_says_whether_it_is_public_and_which_role_it_needs()
    {
        var operations = await OperationsAsync();

        operations.Where(o => !o.Public).ShouldAllBe(o => o.Role == "Admin" || o.Role == "Owner" || o.Role == "Moderator");
        // Only the moderation API is open to Moderators.
        operations.Where(o => o.Role == "Moderator").ShouldAllBe(o => o.Path.StartsWith("/api/v1/moderation/", StringComparison.Ordinal));
        // The public surface is small and known: anything new here is a decision, not an accident.
        operations.Where(o => o.Public && o.Path.StartsWith("/api/v1", StringComparison.Ordinal)).Select(o => $"{o.Method} {o.Path}").Order()
            .ShouldBe(["GET /api/v1/funding", "POST /api/v1/donations/checkout", "POST /api/v1/invites/{code}/redeem"], ignoreOrder: true);
    }

    private async Task<List<Operation>> OperationsAsync()
    {
        var document = await factory.CreateApiClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var list = new List<Operation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject().Where(m => m.Name is "get" or "post" or "put" or "patch" or "delete"))
            {
                var url = path.Name;
                if (method.Value.TryGetProperty("parameters", out var parameters))
                {
                    foreach (var p in parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "path"))
                    {
                        var schema = p.GetProperty("schema");
                        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
                        var type = schema.TryGetProperty("type", out var t) ? t.ToString() : "";
                        var value = format == "uuid" ? Guid.NewGuid().ToString() : type.Contains("integer", StringComparison.Ordinal) ? "1" : "sample";
                        url = url.Replace("{" + p.GetProperty("name").GetString() + "}", value, StringComparison.Ordinal);
                    }
                }

                var isPublic = method.Value.TryGetProperty("x-panel-public", out var pub) && pub.GetBoolean();
                var role = method.Value.TryGetProperty("x-panel-role", out var r) ? r.GetString() : null;
                list.Add(new Operation(method.Name.ToUpperInvariant(), path.Name, url, isPublic, role));
            }
        }

        return list;
    }

    private static HttpRequestMessage Request(Operation op)
    {
        var request = new HttpRequestMessage(new HttpMethod(op.Method), op.Url);
        if (op.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        return request;
    }
}
