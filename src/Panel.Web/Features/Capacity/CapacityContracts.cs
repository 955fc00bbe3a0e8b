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

/// <summary>A question for the forecast: more users like the current ones, and rooms to join (by ID or alias).</summary>
public sealed record ForecastRequest(int AddUsers = 0, IReadOnlyList<string>? JoinRooms = null);

public sealed record ForecastItem(string What, RoomSize? Room, MemoryForecast Memory);

/// <summary>What the asked change would cost, and whether it fits in what Synapse can still grow into.</summary>
public sealed record ForecastAnswer(IReadOnlyList<ForecastItem> Items, long TotalBytes, long UncertaintyBytes, long? SynapseRoomBytes, bool? Fits, IReadOnlyList<string> Warnings);
