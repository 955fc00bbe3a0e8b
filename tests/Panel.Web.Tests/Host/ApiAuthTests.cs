using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.ApiTokens;
using Panel.Web.Features.Audit;

namespace Panel.Web.Tests.Host;

public sealed class ApiAuthTests(PanelWebFactory factory) : IClassFixture<PanelWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task API_without_token_returns_401_problem_details()
    {
        var response = await factory.CreateApiClient().GetAsync("/api/v1/me", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        response.Headers.WwwAuthenticate.ToString().ShouldContain("Bearer");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        problem.GetProperty("status").GetInt32().ShouldBe(401);
        problem.GetProperty("detail").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task API_with_unknown_token_returns_401()
    {
        var response = await factory.CreateApiClient("hsp_" + new string('A', 43)).GetAsync("/api/v1/me", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task API_with_valid_token_says_who_it_belongs_to_and_records_the_use()
    {
        var owner = await factory.EnsureOwnerAsync();
        var token = await factory.CreateTokenAsync(owner.Id, "me-test");

        var me = await factory.CreateApiClient(token).GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);

        me.GetProperty("userName").GetString().ShouldBe(owner.UserName);
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).ShouldContain("Owner");
        me.GetProperty("tokenName").GetString().ShouldBe("me-test");
        var listed = await factory.Services.GetRequiredService<ApiTokenService>().ListAsync(Ct);
        listed.Single(t => t.Name == "me-test").LastUsedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task Token_use_is_written_at_most_once_per_minute_unless_it_comes_from_another_address()
    {
        var owner = await factory.EnsureOwnerAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var tokens = new ApiTokenService(factory.Services.GetRequiredService<IDbContextFactory<PanelDbContext>>(), factory.Services.GetRequiredService<IAuditLog>(), clock);
        var issued = await tokens.IssueAsync("throttled", owner.Id, AuditActor.Cli, Ct);
        async Task<ApiTokenInfo> StoredAsync() => (await tokens.ListAsync(Ct)).Single(t => t.Id == issued.Token.Id);

        (await tokens.ValidateAsync(issued.PlainText, "192.0.2.1", Ct)).ShouldNotBeNull();
        var first = (await StoredAsync()).LastUsedAt;
        first.ShouldBe(clock.GetUtcNow());

        clock.Advance(TimeSpan.FromSeconds(30));
        (await tokens.ValidateAsync(issued.PlainText, "192.0.2.1", Ct)).ShouldNotBeNull();
        (await StoredAsync()).LastUsedAt.ShouldBe(first);

        (await tokens.ValidateAsync(issued.PlainText, "192.0.2.9", Ct)).ShouldNotBeNull();
        (await StoredAsync()).LastUsedFrom.ShouldBe("192.0.2.9");

        clock.Advance(ApiTokenService.LastUseResolution);
        (await tokens.ValidateAsync(issued.PlainText, "192.0.2.9", Ct)).ShouldNotBeNull();
        (await StoredAsync()).LastUsedAt.ShouldBe(clock.GetUtcNow());
    }

    [Fact]
    public async Task API_with_revoked_token_returns_401()
    {
        var owner = await factory.EnsureOwnerAsync();
        var tokens = factory.Services.GetRequiredService<ApiTokenService>();
        var issued = await tokens.IssueAsync("to-revoke", owner.Id, AuditActor.Cli, Ct);
        var client = factory.CreateApiClient(issued.PlainText);
        (await client.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await tokens.RevokeAsync(issued.Token.Id, AuditActor.Cli, Ct);

        (await client.GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task API_token_management_is_forbidden_to_admins()
    {
        var adminToken = await factory.CreateAdminTokenAsync();

        var response = await factory.CreateApiClient(adminToken).GetAsync("/api/v1/tokens", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task API_create_token_through_the_API_returns_the_text_once()
    {
        var owner = await factory.EnsureOwnerAsync();
        var client = factory.CreateApiClient(await factory.CreateTokenAsync(owner.Id));

        var response = await client.PostAsJsonAsync("/api/v1/tokens", new { name = "from-api" }, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var text = body.GetProperty("token").GetString()!;
        (await factory.CreateApiClient(text).GetAsync("/api/v1/me", Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var list = await client.GetStringAsync("/api/v1/tokens", Ct);
        list.ShouldContain("from-api");
        list.ShouldNotContain(text);
    }

    [Fact]
    public async Task API_broken_JSON_returns_400_problem_details()
    {
        var owner = await factory.EnsureOwnerAsync();
        var client = factory.CreateApiClient(await factory.CreateTokenAsync(owner.Id));

        var response = await client.PostAsync("/api/v1/tokens", new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadAsStringAsync(Ct)).ShouldNotContain("   at ");
    }

    [Fact]
    public async Task API_unknown_endpoint_returns_404_problem_details()
    {
        var owner = await factory.EnsureOwnerAsync();
        var response = await factory.CreateApiClient(await factory.CreateTokenAsync(owner.Id)).GetAsync("/api/v1/no-such-thing", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task API_audit_query_validates_its_range()
    {
        var owner = await factory.EnsureOwnerAsync();
        var client = factory.CreateApiClient(await factory.CreateTokenAsync(owner.Id));

        (await client.GetAsync("/api/v1/audit?take=0", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await client.GetAsync("/api/v1/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var ok = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=token.", Ct);
        ok.GetProperty("items").EnumerateArray().ShouldAllBe(e => e.GetProperty("action").GetString()!.StartsWith("token."));
    }

    [Fact]
    public async Task OpenAPI_document_is_served_and_says_which_endpoints_are_public()
    {
        var doc = await factory.CreateApiClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        var me = doc.GetProperty("paths").GetProperty("/api/v1/me").GetProperty("get");
        me.GetProperty("x-panel-public").GetBoolean().ShouldBeFalse();
        doc.GetProperty("paths").GetProperty("/api/v1/tokens").GetProperty("get").GetProperty("x-panel-role").GetString().ShouldBe("Owner");
    }
}
