namespace Panel.Web.Features.Invites;

/// <summary>The invites feature's services, and the janitor that expires invites.</summary>
public static class InvitesRegistration
{
    public static IServiceCollection AddInvites(this IServiceCollection services)
    {
        services.AddSingleton<InvitesService>();
        services.AddSingleton<InviteWelcome>();
        services.AddHostedService<InviteJanitor>();
        return services;
    }
}
