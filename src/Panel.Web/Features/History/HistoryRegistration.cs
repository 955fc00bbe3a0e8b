namespace Panel.Web.Features.History;

public static class HistoryRegistration
{
    public static IServiceCollection AddHistory(this IServiceCollection services)
    {
        services.AddSingleton<HistoryAppServices>();
        services.AddSingleton<SlackImports>();
        services.AddSingleton<RoomArchives>();
        services.AddSingleton<ScheduledRoomArchives>();
        services.AddSingleton<MessageRetentionService>();
        services.AddSingleton<GhostClaims>();
        return services;
    }
}
