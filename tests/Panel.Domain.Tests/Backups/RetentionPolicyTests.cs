using Panel.Domain.Backups;
using Panel.Domain.Common;

namespace Panel.Domain.Tests.Backups;

public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_year_of_daily_backups_keeps_seven_days_four_weeks_and_six_months()
    {
        var backups = Enumerable.Range(0, 365).Select(d => (Id: Guid.NewGuid(), At: Start.AddDays(d))).ToList();

        var keep = RetentionPolicy.Default.Keep(backups);

        var kept = backups.Where(b => keep.Contains(b.Id)).Select(b => b.At).OrderDescending().ToList();
        // The newest seven days, plus the newest of each of the last four weeks and six months,
        // overlapping where one backup is all three.
        kept.Take(7).ShouldBe(Enumerable.Range(0, 7).Select(d => Start.AddDays(364 - d)));
        kept.Count.ShouldBeInRange(7 + 1, 7 + 4 + 6);
        kept.Select(k => (k.Year, k.Month)).Distinct().Count().ShouldBe(6);
        kept.Min().ShouldBeGreaterThan(Start.AddDays(364 - 200));
    }

    [Fact]
    public void Several_backups_on_one_day_keep_only_the_newest_of_that_day()
    {
        var morning = (Id: Guid.NewGuid(), At: Start);
        var evening = (Id: Guid.NewGuid(), At: Start.AddHours(14));

        var keep = new RetentionPolicy(7, 0, 0).Keep([morning, evening]);

        keep.ShouldBe([evening.Id]);
    }

    [Fact]
    public void Nothing_is_kept_beyond_the_counts_and_an_empty_list_keeps_nothing()
    {
        new RetentionPolicy(1, 0, 0).Keep(Enumerable.Range(0, 10).Select(d => (Guid.NewGuid(), Start.AddDays(d)))).Count.ShouldBe(1);
        RetentionPolicy.Default.Keep([]).ShouldBeEmpty();
    }

    [Fact]
    public void Settings_refuse_a_policy_that_keeps_nothing_or_absurd_counts()
    {
        var settings = BackupSettings.Default();
        Should.Throw<DomainException>(() => settings.Change(true, "0 4 * * *", 0, 0, 0)).Message.ShouldContain("at least one");
        Should.Throw<DomainException>(() => settings.Change(true, "0 4 * * *", -1, 4, 6));
        Should.Throw<DomainException>(() => settings.Change(true, " ", 7, 4, 6));
        settings.Change(false, "30 2 * * 0", 3, 2, 1);
        settings.Retention.ShouldBe(new RetentionPolicy(3, 2, 1));
    }

    [Fact]
    public void Rooms_to_archive_with_the_backups_are_room_ids_without_repeats_and_at_most_fifty()
    {
        var settings = BackupSettings.Default();
        settings.RoomsToArchive.ShouldBeEmpty();
        settings.ChooseRoomsToArchive([" !abc:example.org ", "!abc:example.org", "!def:example.org"]);
        settings.RoomsToArchive.ShouldBe(["!abc:example.org", "!def:example.org"]);
        Should.Throw<DomainException>(() => settings.ChooseRoomsToArchive(["#alias:example.org"])).Message.ShouldContain("not a room ID");
        Should.Throw<DomainException>(() => settings.ChooseRoomsToArchive(["!nocolon"]));
        Should.Throw<DomainException>(() => settings.ChooseRoomsToArchive(["!a b:example.org"]));
        Should.Throw<DomainException>(() => settings.ChooseRoomsToArchive(Enumerable.Range(0, 51).Select(i => $"!r{i}:example.org"))).Message.ShouldContain("50");
        settings.RoomsToArchive.Count.ShouldBe(2, "a refused choice changes nothing");
        settings.ChooseRoomsToArchive([]);
        settings.RoomsToArchive.ShouldBeEmpty();
    }
}

public sealed class BackupManifestTests
{
    private static BackupManifest With(params BackupFile[] files) => new() { Id = Guid.NewGuid(), ServerName = "example.org", Files = files };

    private static BackupFile File(string path) => new(path, 1, new string('a', 64), "media");

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("homeserver/../../x")]
    [InlineData("a\\\\b")]
    [InlineData("a//b")]
    public void A_manifest_with_an_unsafe_path_is_refused(string path)
    {
        Should.Throw<DomainException>(() => With(File(path)).Validate()).Message.ShouldContain("unsafe path");
    }

    [Fact]
    public void A_manifest_of_another_format_duplicates_or_bad_checksums_is_refused()
    {
        Should.Throw<DomainException>(() => (With(File("a")) with { Format = 99 }).Validate()).Message.ShouldContain("format 99");
        Should.Throw<DomainException>(() => With(File("a"), File("a")).Validate()).Message.ShouldContain("twice");
        Should.Throw<DomainException>(() => With(new BackupFile("a", 1, "abc", "media")).Validate());
        Should.NotThrow(() => With(File("homeserver/media.tar"), File("panel/keys/key-1.xml")).Validate());
    }

    [Fact]
    public void A_backup_directory_must_be_a_plain_name()
    {
        Should.Throw<DomainException>(() => Backup.Start(BackupTrigger.Manual, "../x", false, null, DateTimeOffset.UtcNow));
        Should.Throw<DomainException>(() => Backup.Start(BackupTrigger.Manual, ".hidden", false, null, DateTimeOffset.UtcNow));
        Backup.Start(BackupTrigger.Manual, "20261129-040000-abcdef", false, "example.org", DateTimeOffset.UtcNow).Status.ShouldBe(BackupStatus.Running);
    }
}
