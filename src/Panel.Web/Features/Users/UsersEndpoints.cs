using Panel.Domain.Homeserver;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Users;

internal static class UsersEndpoints
{
    public sealed record PasswordRequest(string? Password, bool LogoutDevices = true);

    public sealed record DeactivateRequest(bool Erase = false);

    public sealed record AdminRequest(bool Admin);

    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", (UsersService service, string? search, int? from, int? limit, bool? admins, bool? deactivated, bool? guests, string? orderBy, string? dir, CancellationToken ct) =>
                service.ListAsync(new UserQuery(from ?? 0, limit ?? 50, search, admins ?? false, deactivated ?? false, guests ?? true, orderBy ?? "name", dir == "b"), ct))
            .WithSummary("A page of the homeserver's users (search by name; filters: admins only, include deactivated, include guests)");
        users.MapGet("/{userId}", (string userId, UsersService service, CancellationToken ct) => service.GetAsync(userId, ct))
            .WithSummary("One user with devices, joined rooms and media usage");
        users.MapPost("/", async (CreateUserRequest body, UsersService service, ActorContext actor, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(body, await actor.GetAsync(), ct);
                return TypedResults.Created($"/api/v1/users/{Uri.EscapeDataString(created.UserId)}", created);
            })
            .WithSummary("Create a user; without a password the panel generates one and returns it once");
        users.MapPost("/{userId}/password", async (string userId, PasswordRequest body, UsersService service, ActorContext actor, CancellationToken ct) =>
                TypedResults.Ok(await service.ResetPasswordAsync(userId, body.Password, body.LogoutDevices, await actor.GetAsync(), ct)))
            .WithSummary("Reset the password (generated when empty), optionally logging out every device");
        users.MapPost("/{userId}/deactivate", async (string userId, DeactivateRequest? body, UsersService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.DeactivateAsync(userId, body?.Erase ?? false, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Deactivate the account (cannot be undone), optionally erasing it");
        users.MapPut("/{userId}/admin", async (string userId, AdminRequest body, UsersService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.SetAdminAsync(userId, body.Admin, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Grant or revoke server admin");
        users.MapDelete("/{userId}/devices/{deviceId}", async (string userId, string deviceId, UsersService service, ActorContext actor, CancellationToken ct) =>
            {
                await service.LogOutDeviceAsync(userId, deviceId, await actor.GetAsync(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Log out one device (session)");
        return api;
    }
}
