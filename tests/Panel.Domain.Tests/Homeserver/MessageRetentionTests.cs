using System.Text.Json.Nodes;
using Panel.Domain.Common;
using Panel.Domain.Homeserver;

namespace Panel.Domain.Tests.Homeserver;

public sealed class MessageRetentionTests
{
    [Fact]
    public void Lifetimes_are_a_day_to_a_hundred_years_and_the_default_fits_under_the_rooms_longest()
    {
        new MessageRetention(true, 365, 730).Validate();
        new MessageRetention(true).Validate();
        Should.Throw<DomainException>(() => new MessageRetention(true, 0).Validate()).Message.ShouldContain("between 1");
        Should.Throw<DomainException>(() => new MessageRetention(true, null, 40_000).Validate());
        Should.Throw<DomainException>(() => new MessageRetention(true, 800, 365).Validate()).Message.ShouldContain("longer than");
    }

    [Fact]
    public void Only_a_policy_that_is_on_with_a_lifetime_deletes_and_its_warning_says_what_goes()
    {
        MessageRetention.Off.Deletes.ShouldBeFalse();
        new MessageRetention(false, 30).Deletes.ShouldBeFalse();
        new MessageRetention(true).Deletes.ShouldBeFalse();
        new MessageRetention(true, 30).Deletes.ShouldBeTrue();
        new MessageRetention(true, 30).Warning(MessageRetention.Off).ShouldContain("permanently delete");
        new MessageRetention(true, 30).Warning(MessageRetention.Off).ShouldContain("first purge");
        MessageRetention.Off.Warning(new MessageRetention(true, 30)).ShouldContain("Nothing is deleted");
        new MessageRetention(true, 365, 730).Describe().ShouldBe("Messages are deleted after 1 year in rooms without their own policy; a room may keep them at most 2 years.");
        MessageRetention.Off.Describe().ShouldContain("kept forever");
    }

    [Fact]
    public void A_deployment_takes_a_valid_policy_and_keeps_it()
    {
        var d = HomeserverDeployment.PlanInstall(ServerName.Parse("example.org"), "https://matrix.example.org", HomeserverDatabase.Sqlite, "synapse:1", "",
            HomeserverDeployment.DefaultMemoryLimitBytes, 0.5, new HomeserverSecrets("a", "b", "c", "d", "e"), DateTimeOffset.UnixEpoch);
        d.Retention.ShouldBe(MessageRetention.Off);
        d.ApplyRetention(new MessageRetention(true, 90));
        d.Retention.ShouldBe(new MessageRetention(true, 90));
        Should.Throw<DomainException>(() => d.ApplyRetention(new MessageRetention(true, -1)));
        d.Retention.ShouldBe(new MessageRetention(true, 90));
    }
}

public sealed class RoomPowerTests
{
    private const string Server = "example.org";

    [Fact]
    public void The_strongest_joined_local_member_with_enough_power_is_chosen()
    {
        var state = new[]
        {
            Create("@alice:example.org"),
            Power(new() { ["@alice:example.org"] = 100, ["@bob:example.org"] = 50, ["@remote:other.org"] = 100 }, events: new() { ["m.room.retention"] = 50 }),
            Member("@alice:example.org", "leave"), Member("@bob:example.org"), Member("@remote:other.org"), Member("@carol:example.org"),
        };
        RoomPower.StrongestLocalMember(state, Server, "m.room.retention").ShouldBe("@bob:example.org");
    }

    [Fact]
    public void No_local_member_with_the_power_means_none_and_the_state_default_applies_to_unlisted_events()
    {
        var state = new[]
        {
            Create("@remote:other.org"),
            Power(new() { ["@remote:other.org"] = 100, ["@bob:example.org"] = 10 }, stateDefault: 50),
            Member("@remote:other.org"), Member("@bob:example.org"),
        };
        RoomPower.StrongestLocalMember(state, Server, "m.room.retention").ShouldBeNull();
    }

    [Fact]
    public void Without_power_levels_the_creator_may_and_in_room_version_12_creators_outrank_every_level()
    {
        RoomPower.StrongestLocalMember([Create("@alice:example.org"), Member("@alice:example.org"), Member("@bob:example.org")], Server, "m.room.retention")
            .ShouldBe("@alice:example.org");
        var v12 = new[]
        {
            Create("@alice:example.org", "12"),
            Power(new() { ["@bob:example.org"] = 100 }),
            Member("@alice:example.org"), Member("@bob:example.org"),
        };
        RoomPower.StrongestLocalMember(v12, Server, "m.room.retention").ShouldBe("@alice:example.org");
    }

    private static JsonObject Create(string sender, string version = "10") =>
        new() { ["type"] = "m.room.create", ["state_key"] = "", ["sender"] = sender, ["content"] = new JsonObject { ["room_version"] = version } };

    private static JsonObject Member(string user, string membership = "join") =>
        new() { ["type"] = "m.room.member", ["state_key"] = user, ["content"] = new JsonObject { ["membership"] = membership } };

    private static JsonObject Power(Dictionary<string, int> users, Dictionary<string, int>? events = null, int stateDefault = 50)
    {
        var u = new JsonObject();
        foreach (var (k, v) in users)
        {
            u[k] = v;
        }

        var e = new JsonObject();
        foreach (var (k, v) in events ?? [])
        {
            e[k] = v;
        }

        return new() { ["type"] = "m.room.power_levels", ["state_key"] = "", ["content"] = new JsonObject { ["users"] = u, ["events"] = e, ["state_default"] = stateDefault } };
    }
}
