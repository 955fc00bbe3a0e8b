using Panel.Domain.Capacity;
using Panel.Domain.Homeserver;

namespace Panel.Web.Features.Capacity;

/// <summary>A figure the page shows, with where it comes from and when it was measured.</summary>
public sealed record SourcedFigure(string Label, string Value, string Source, DateTimeOffset? At, string? Link = null);

/// <summary>What the server costs, from the running costs kept for the donate page and the homeserver's own counts.</summary>
public sealed record CostView(string Currency, long? MonthlyCostsMinor, string? Monthly, int? ActiveUsers, long? JoinedRooms, string? PerActiveUser, string? PerRoom);

/// <summary>One more friend like the current ones, and how many fit in the headroom.</summary>
public sealed record FriendForecast(MemoryForecast Memory, long? DiskBytesPerMonth, int? ThatFit, ServerShape PerFriend);

/// <summary>The model behind the forecasts, shown with how much it was fitted on.</summary>
public sealed record ModelView(string Description, int Points, bool LeansOnPrior, string Settings, DateTimeOffset? Since);

/// <summary>The whole answer of "keep self-hosting?", built from measured figures only.</summary>
public sealed record CapacityReport(
    Verdict Verdict,
    CostView Costs,
    FundingOutlook? Funding,
    Headroom Headroom,
    long? SynapseRoomBytes,
    FriendForecast? Friend,
    ModelView Model,
    ServerShape? Shape,
    IReadOnlyList<SourcedFigure> Figures,
    DateTimeOffset MeasuredAt);

/// <summary>
/// A question for the forecast: more users like the current ones, rooms to join (by ID or alias),
/// and rooms known only by their size ("a room of 5,000 members").
/// </summary>
public sealed record ForecastRequest(int AddUsers = 0, IReadOnlyList<string>? JoinRooms = null, IReadOnlyList<RoomOfSize>? RoomsOfSize = null);

/// <summary>A room by its size; without its state events, they are estimated from its members.</summary>
public sealed record RoomOfSize(long Members, long? StateEvents = null);

public sealed record ForecastItem(string What, RoomSize? Room, MemoryForecast Memory);

/// <summary>What the asked change would cost, and whether it fits in what Synapse can still grow into.</summary>
public sealed record ForecastAnswer(IReadOnlyList<ForecastItem> Items, long TotalBytes, long UncertaintyBytes, long? SynapseRoomBytes, bool? Fits, IReadOnlyList<string> Warnings);

/// <summary>A snapshot as the API shows it.</summary>
public sealed record CapacitySnapshotView(DateTimeOffset Time, string Settings, ServerShape Shape, long? MemoryBytes, long? DatabaseBytes, long? MediaBytes,
    long? DiskUsedBytes, long? DiskTotalBytes, double? Load1)
{
    public static CapacitySnapshotView Of(CapacitySnapshot s) =>
        new(s.Time, s.Settings, s.Shape, s.MemoryBytes, s.DatabaseBytes, s.MediaBytes, s.DiskUsedBytes, s.DiskTotalBytes, s.Load1);
}
