using Panel.Domain.Capacity;

namespace Panel.Domain.Tests.Capacity;

public sealed class MemoryModelTests
{
    private const long MiB = 1024L * 1024;
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A server whose memory truly is 120 MiB + 0.02 MiB per state event + 0.06 MiB per member + 2 MiB per active user, give or take 3 MiB.</summary>
    private static List<ShapeSample> Recorded(int count)
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var members = 100 + 150 * i;
            var shape = new ServerShape(1 + i / 3, members + 40 * (i % 4), members, 5 + i, 8 + i);
            var mib = 120 + 0.02 * shape.StateEvents + 0.06 * shape.Members + 2 * shape.ActiveUsers + (random.NextDouble() * 6 - 3);
            return new ShapeSample(T0.AddHours(i), shape, (long)(mib * MiB));
        })];
    }

    [Fact]
    public void Fitted_on_a_recorded_series_it_forecasts_the_next_room_within_a_few_percent()
    {
        var model = MemoryModel.Fit(Recorded(20));
        var current = new ServerShape(7, 3000, 3000, 25, 28);
        var room = new ServerShape(1, 1300, 1200, 0, 0);

        var forecast = model.Forecast(current, room);

        var truth = (0.02 * 1300 + 0.06 * 1200) * MiB;
        Math.Abs(forecast.AddedBytes - truth).ShouldBeLessThan(truth * 0.1, model.ToString());
        forecast.FromPrior.ShouldBeFalse();
        forecast.Points.ShouldBe(20);
        forecast.UncertaintyBytes.ShouldBeGreaterThan(0);
        forecast.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void A_server_far_lighter_per_member_than_the_published_figures_is_forecast_from_its_own_history()
    {
        // As the forecast check grows one: idle, then rooms of 100, 300 and 600 members with ten
        // syncing users, at 0.012 MiB a state event (the published figures say about 0.085).
        var random = new Random(3);
        var samples = new List<ShapeSample>();
        for (var i = 0; i < 4; i++)
        {
            samples.Add(new ShapeSample(T0.AddMinutes(i), new ServerShape(1, 10, 2, 1, 1), (long)((108 + random.NextDouble() - 0.5) * MiB)));
        }

        foreach (var (state, step) in new[] { (106L, 1), (412L, 2), (1018L, 3) })
        {
            for (var i = 0; i < 6; i++)
            {
                var shape = new ServerShape(1 + step, state, state - 6 * step, 10, 11);
                samples.Add(new ShapeSample(T0.AddHours(step).AddMinutes(i), shape, (long)((116 + 0.012 * state + 2 * (random.NextDouble() - 0.5)) * MiB)));
            }
        }

        var model = MemoryModel.Fit(samples);
        var forecast = model.Forecast(new ServerShape(4, 1018, 1000, 10, 11), new ServerShape(1, 1207, 1201, 0, 0));

        var truth = 0.012 * 1207 * MiB;
        Math.Abs(forecast.AddedBytes - truth).ShouldBeLessThan(truth * 0.15, model.ToString());
    }

    [Fact]
    public void With_no_history_the_forecast_is_the_prior_and_says_so()
    {
        var model = MemoryModel.Fit([]);

        var forecast = model.Forecast(ServerShape.Empty, new ServerShape(1, 10_684, 10_000, 0, 0));

        // The Synapse docs' figure for #matrix:matrix.org: about 1 GB.
        (forecast.AddedBytes / (double)MiB).ShouldBeInRange(800, 1300);
        forecast.FromPrior.ShouldBeTrue();
        forecast.Warnings.ShouldContain(w => w.Contains("leans on published figures"));
        forecast.UncertaintyBytes.ShouldBeGreaterThan(forecast.AddedBytes / 3, "a prior is a rough guide");
    }

    [Fact]
    public void A_room_far_larger_than_any_seen_is_forecast_with_a_warning_not_a_made_up_certainty()
    {
        var model = MemoryModel.Fit(Recorded(20));

        var forecast = model.Forecast(new ServerShape(7, 3000, 3000, 25, 28), new ServerShape(1, 50_000, 40_000, 0, 0));

        forecast.Warnings.ShouldContain(w => w.Contains("beyond what the model was fitted on"));
    }

    [Fact]
    public void No_term_comes_out_negative_even_when_two_move_together()
    {
        // State events and members always equal: the data cannot tell them apart.
        var samples = Enumerable.Range(0, 12).Select(i => new ShapeSample(T0.AddHours(i), new ServerShape(1, 100 * i, 100 * i, 3, 3), (long)((130 + 0.1 * 100 * i) * MiB))).ToList();

        var model = MemoryModel.Fit(samples);

        model.CoefficientsMiB.Skip(1).ShouldAllBe(c => c >= 0);
        (model.Predict(new ServerShape(1, 500, 500, 3, 3)) / (double)MiB).ShouldBe(180, 10);
    }

    [Fact]
    public void One_more_friend_joins_as_many_rooms_as_the_others_and_the_headroom_says_how_many_fit()
    {
        var model = MemoryModel.Fit(Recorded(20));
        var current = new ServerShape(4, 2000, 2000, 10, 15);

        var friend = current.OneMoreUserLikeTheOthers(roomsPerUser: 3);

        friend.ShouldBe(new ServerShape(0, 3, 3, 1, 2, 3));
        var each = model.Forecast(current, friend).AddedBytes;
        model.HowManyFit(current, friend, 100 * MiB).ShouldBe((int)(100 * MiB / each));
        model.HowManyFit(current, friend, -5).ShouldBe(0);
    }
}
