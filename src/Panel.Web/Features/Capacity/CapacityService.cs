using Microsoft.EntityFrameworkCore;
using Panel.Domain.Capacity;
using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Domain.Donations;
using Panel.Domain.Homeserver;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Health;
using Panel.Web.Features.Homeserver;
using Panel.Web.Features.Monitoring;

namespace Panel.Web.Features.Capacity;

/// <summary>
/// "Keep self-hosting?": puts the figures the panel already has together (costs, donations,
/// headroom, the memory model fitted on this server's snapshots) into a report and a verdict, and
/// answers what more users or a room would cost.
/// </summary>
public sealed class CapacityService(
    IDbContextFactory<PanelDbContext> contexts,
    CapacitySnapshots snapshots,
    HomeserverAccess homeserver,
    MetricsStore store,
    HostFiguresReader host,
    MemoryChanges changes,
    TimeProvider clock)
{
    private static readonly TimeSpan HeadroomWindow = TimeSpan.FromDays(7);
    private static readonly TimeSpan GrowthWindow = TimeSpan.FromDays(30);

    public async Task<CapacityReport> ReportAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var d = await homeserver.GetDeploymentAsync(cancellationToken);
        var recent = await snapshots.SinceAsync(now - GrowthWindow, cancellationToken);
        var latest = recent.Count > 0 ? recent[^1] : null;
        var (model, fitted, since) = await ModelAsync(d, cancellationToken);
        var (settings, entries) = await DonationsAsync(cancellationToken);
        var funding = settings.MonthlyCostsMinor > 0 || entries.Count > 0 ? FundingOutlook.Compute(entries, settings, now) : null;
        var headroom = await HeadroomAsync(recent, now, cancellationToken);
        var synapseRoom = headroom.SynapseRoomBytes(ContainerComponents.Homeserver);
        var shape = latest?.Shape;
        var costs = Costs(settings, shape);

        FriendForecast? friend = null;
        if (shape is { ActiveUsers: > 0 } s)
        {
            var perFriend = s.OneMoreUserLikeTheOthers(s.RoomsPerUser);
            var disk = Headroom.GrowthPerDay([.. recent.Where(x => x.DatabaseBytes is not null).Select(x => new SizeReading(x.Time, x.DatabaseBytes!.Value + (x.MediaBytes ?? 0)))]);
            friend = new FriendForecast(model.Forecast(s, perFriend), disk is > 0 and var g ? (long)(g * 30 / s.ActiveUsers) : null,
                synapseRoom is { } room && fitted > 0 ? model.HowManyFit(s, perFriend, room) : null, perFriend);
        }

        var verdict = VerdictRules.Decide(new VerdictInputs(funding,
            headroom.Memory.FirstOrDefault(x => x.Component == ContainerComponents.Homeserver)?.P95Bytes,
            headroom.Memory.FirstOrDefault(x => x.Component == ContainerComponents.Homeserver)?.LimitBytes,
            headroom.MemoryFreeBytes, headroom.DaysUntilFull, friend?.ThatFit, d?.MemoryProfile ?? MemoryProfile.Custom,
            await SmallEffectAsync(cancellationToken), await CostliestRoomAsync(d, cancellationToken)));
        var figures = Figures(costs, funding, headroom, latest, settings, now);
        return new CapacityReport(verdict, costs, funding, headroom, synapseRoom, friend,
            new ModelView(model.ToString(), model.Points, model.LeansOnPrior, d is null ? "" : MemoryProfiles.Describe(d.Memory), since), shape, figures, now);
    }

    public async Task<ForecastAnswer> ForecastAsync(ForecastRequest request, CancellationToken cancellationToken)
    {
        if (request.AddUsers is < 0 or > 100_000 || request.JoinRooms is { Count: > 50 } || request.RoomsOfSize is { Count: > 50 })
        {
            throw new DomainException("addUsers must be between 0 and 100000, and joinRooms and roomsOfSize hold at most 50 rooms each.");
        }

        if (request.RoomsOfSize?.Any(r => r.Members is < 1 or > 10_000_000 || r.StateEvents is < 1 or > 100_000_000) == true)
        {
            throw new DomainException("A room's size is at least one member and one state event (and at most 10 million members).");
        }

        var (admin, d) = await homeserver.GetAdminContextAsync(cancellationToken);
        var (model, _, _) = await ModelAsync(d, cancellationToken);
        var window = await snapshots.SinceAsync(clock.GetUtcNow() - GrowthWindow, cancellationToken);
        var latest = window.Count > 0 ? window[^1] : null;
        var shape = latest?.Shape ?? ServerShape.Empty;
        var items = new List<ForecastItem>();
        var total = ServerShape.Empty;
        if (request.AddUsers > 0)
        {
            var one = shape.OneMoreUserLikeTheOthers(shape.RoomsPerUser);
            var users = new ServerShape(0, one.StateEvents * request.AddUsers, one.Members * request.AddUsers, request.AddUsers, one.Devices * request.AddUsers, one.LocalMembers * request.AddUsers);
            items.Add(new ForecastItem($"{request.AddUsers} more user(s) like the current ones", null, model.Forecast(shape, users)));
            total = total.Plus(users);
        }

        foreach (var name in request.JoinRooms ?? [])
        {
            var room = await admin.FindRoomAsync(name, cancellationToken) ?? throw new NotFoundException($"No room {name} is known to this server or its directory.");
            // Already joined: one more member costs about nothing; a new room brings its whole state.
            var added = room.JoinedLocalMembers > 0 ? new ServerShape(0, 1, 1, 0, 0) : new ServerShape(1, room.StateEvents + 1, room.Members + 1, 0, 0);
            items.Add(new ForecastItem($"joining {room.Alias ?? room.Name ?? room.RoomId}", room, model.Forecast(shape, added)));
            total = total.Plus(added);
        }

        foreach (var size in request.RoomsOfSize ?? [])
        {
            var added = new ServerShape(1, (size.StateEvents ?? RoomSize.EstimateStateEvents(size.Members)) + 1, size.Members + 1, 0, 0);
            items.Add(new ForecastItem($"joining a room of {size.Members:N0} members", null, model.Forecast(shape, added)));
            total = total.Plus(added);
        }

        if (items.Count == 0)
        {
            throw new DomainException("Ask about something: addUsers, joinRooms or roomsOfSize.");
        }

        var forecast = model.Forecast(shape, total);
        var headroom = await HeadroomAsync([], clock.GetUtcNow(), cancellationToken);
        var roomLeft = headroom.SynapseRoomBytes(ContainerComponents.Homeserver);
        var warnings = forecast.Warnings.Concat(items.Where(i => i.Room is { StateEstimated: true }).Select(i =>
            $"{i.Room!.Alias ?? i.Room.RoomId} is not on this server: its state is estimated from its members in its server's directory.")).Distinct().ToList();
        return new ForecastAnswer(items, forecast.AddedBytes, forecast.UncertaintyBytes, roomLeft, roomLeft is { } r ? forecast.AddedBytes <= r : null, warnings);
    }

    /// <summary>The model fitted on the snapshots under the memory settings in force now (with their count and the first one's time).</summary>
    private async Task<(MemoryModel Model, int Points, DateTimeOffset? Since)> ModelAsync(HomeserverDeployment? d, CancellationToken cancellationToken)
    {
        var key = d is null ? null : MemoryProfiles.Describe(d.Memory);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var samples = await db.CapacitySnapshots.AsNoTracking().Where(s => s.Settings == key && s.MemoryBytes != null).OrderBy(s => s.Time).ToListAsync(cancellationToken);
        var model = MemoryModel.Fit([.. samples.Select(s => new ShapeSample(s.Time, s.Shape, s.MemoryBytes!.Value))]);
        return (model, samples.Count, samples.Count > 0 ? samples[0].Time : null);
    }

    private async Task<Headroom> HeadroomAsync(IReadOnlyList<CapacitySnapshot> recent, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hours = await store.HourlyMemoryAsync(now - HeadroomWindow, cancellationToken);
        var memory = hours.Select(h => new MemoryUse(h.Key, Headroom.P95(h.Value.HourlyMax), h.Value.Limit > 0 ? h.Value.Limit : null)).ToList();
        if (RuntimeDiagnostics.ReadPss("/proc/self/smaps_rollup").Pss is { } panel)
        {
            memory.Add(new MemoryUse("panel", panel, null));
        }

        var machine = host.Read();
        var week = recent.Where(s => s.Time >= now - HeadroomWindow && s.Load1 is not null).Select(s => (long)(s.Load1!.Value * 100)).ToList();
        var disk = Headroom.GrowthPerDay([.. recent.Where(s => s.DiskUsedBytes is not null).Select(s => new SizeReading(s.Time, s.DiskUsedBytes!.Value))]);
        return new Headroom(machine.MemoryTotalBytes, memory, machine.DiskTotalBytes - machine.DiskFreeBytes, machine.DiskTotalBytes, disk,
            week.Count == 0 ? null : Headroom.P95(week) / 100.0, machine.Cpus);
    }

    private async Task<(DonationSettings, List<LedgerEntry>)> DonationsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var settings = await db.DonationSettings.AsNoTracking().SingleOrDefaultAsync(cancellationToken) ?? DonationSettings.Default();
        return (settings, await db.LedgerEntries.AsNoTracking().ToListAsync(cancellationToken));
    }

    private async Task<double?> SmallEffectAsync(CancellationToken cancellationToken) =>
        (await changes.HistoryAsync(50, cancellationToken)).FirstOrDefault(c => c.To == MemoryProfile.Small && c.Effect is not null)?.Effect!.MedianDeltaPercent;

    private async Task<string?> CostliestRoomAsync(HomeserverDeployment? d, CancellationToken cancellationToken)
    {
        if (d is not { Phase: InstallPhase.Installed, AdminAccessTokenProtected: not null })
        {
            return null;
        }

        try
        {
            var rooms = (await homeserver.CreateAdmin(d).ListRoomsAsync("state_events", false, 0, 1, cancellationToken)).Rooms;
            return rooms.Count == 0 ? null : rooms[0].CanonicalAlias ?? rooms[0].Name ?? rooms[0].RoomId;
        }
        catch (Exception e) when (e is DomainException or HttpRequestException)
        {
            return null;
        }
    }

    private static CostView Costs(DonationSettings settings, ServerShape? shape)
    {
        long? monthly = settings.MonthlyCostsMinor > 0 ? settings.MonthlyCostsMinor : null;
        string? Per(long? count) => monthly is { } m && count is > 0 and var n ? new Money((long)Math.Round(m / (double)n), settings.Currency).ToString() : null;
        return new CostView(settings.Currency, monthly, monthly is { } x ? new Money(x, settings.Currency).ToString() : null,
            shape is null ? null : (int)shape.ActiveUsers, shape?.Rooms, Per(shape?.ActiveUsers), Per(shape?.Rooms));
    }

    private static List<SourcedFigure> Figures(CostView costs, FundingOutlook? funding, Headroom headroom, CapacitySnapshot? latest, DonationSettings settings, DateTimeOffset now)
    {
        var figures = new List<SourcedFigure>
        {
            new("Monthly running costs", costs.Monthly ?? "not entered", "the cost lines kept for the donate page", null, "/donations"),
        };
        if (latest is not null)
        {
            figures.Add(new("Active users (30 days)", latest.ActiveUsers.ToString(System.Globalization.CultureInfo.InvariantCulture), "last seen by the homeserver (its devices' last use)", latest.Time, "/users"));
            figures.Add(new("Rooms with local members", latest.Rooms.ToString(System.Globalization.CultureInfo.InvariantCulture), "the homeserver's room list", latest.Time, "/rooms"));
        }

        if (funding is not null)
        {
            figures.Add(new("Donations, last 3 months", new Money(funding.Last3MonthsMinor, funding.Currency).ToString(), "the donations ledger (Stripe payments, net of refunds)", now, "/donations"));
            figures.Add(new("Donations, last 12 months", new Money(funding.Last12MonthsMinor, funding.Currency).ToString(), "the donations ledger", now, "/donations"));
        }

        foreach (var m in headroom.Memory)
        {
            figures.Add(new($"Memory p95, {m.Component}", new ByteSize(m.P95Bytes).ToString() + (m.LimitBytes is { } l ? $" of {new ByteSize(l)}" : ""),
                m.Component == "panel" ? "the panel's own process now" : "the highest memory of each hour, last 7 days", now, "/monitoring"));
        }

        if (headroom.HostMemoryBytes is { } ram)
        {
            figures.Add(new("This machine's RAM", new ByteSize(ram).ToString(), "/proc/meminfo", now));
        }

        return figures;
    }
}
