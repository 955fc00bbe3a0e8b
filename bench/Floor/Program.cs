using Docker.DotNet;
using Floor;
using Floor.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);
var data = Environment.GetEnvironmentVariable("FLOOR_DATA") ?? Path.Combine(Path.GetTempPath(), "floor");
Directory.CreateDirectory(data);
builder.Services.AddDbContextFactory<FloorDb>(o => o.UseSqlite($"Data Source={Path.Combine(data, "floor.db")}"));
builder.Services.AddIdentityCore<IdentityUser>().AddRoles<IdentityRole>().AddEntityFrameworkStores<FloorDb>();
builder.Services.AddSingleton<IDockerClient>(_ => new DockerClientBuilder().WithEndpoint(new Uri("unix:///var/run/docker.sock")).WithApiVersion(new Version(1, 41)).Build());
builder.Services.AddSingleton(_ => new Stripe.StripeClient("sk_test_floor"));
builder.Services.AddRazorComponents().AddInteractiveServerComponents(o => o.DetailedErrors = false);
builder.Services.AddMudServices();

var app = builder.Build();
await using (var scope = app.Services.CreateAsyncScope())
{
    var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
    await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<FloorDb>>().CreateDbContextAsync();
    await db.Database.EnsureCreatedAsync();
    if (!await db.Roles.AnyAsync())
    {
        // As the panel does (its roles): this also keeps the trimmer from dropping IdentityRole's constructors.
        db.Roles.Add(new IdentityRole("owner") { NormalizedName = "OWNER" });
        await db.SaveChangesAsync();
    }

    for (var i = await db.Users.CountAsync(); i < 20; i++)
    {
        await users.CreateAsync(new IdentityUser($"user{i}"));
    }
}

app.UseAntiforgery();
app.MapStaticAssets();
app.MapGet("/healthz", () => "ok");
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
await app.RunAsync();
