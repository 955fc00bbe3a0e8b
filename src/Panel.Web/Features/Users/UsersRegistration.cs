namespace Panel.Web.Features.Users;

/// <summary>The users feature's services.</summary>
public static class UsersRegistration
{
    public static IServiceCollection AddUsers(this IServiceCollection services) => services.AddSingleton<UsersService>();
}
