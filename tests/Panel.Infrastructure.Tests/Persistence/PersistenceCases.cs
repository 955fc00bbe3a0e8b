using Microsoft.EntityFrameworkCore;
using Panel.Domain.ApiTokens;
using Panel.Domain.Audit;
using Panel.Infrastructure.Identity;
using Panel.Infrastructure.Persistence;

namespace Panel.Infrastructure.Tests.Persistence;

/// <summary>The same persistence cases, run against real SQLite and real PostgreSQL.</summary>
public abstract class PersistenceCases<TDatabase>(TDatabase database) : IClassFixture<TDatabase>
    where TDatabase : PanelDatabase
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    protected PanelDbContext NewContext() => database.Contexts.CreateDbContext();

    [Fact]
    public async Task Migrations_leave_no_pending_model_changes()
    {
        await using var db = NewContext();

        (await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken)).ShouldBeEmpty();
        db.Database.HasPendingModelChanges().ShouldBeFalse();
    }

    [Fact]
    public async Task Compiled_query_runs_on_each_providers_model_in_one_process()
    {
        var ct = TestContext.Current.CancellationToken;
        await new DatabaseMigrator(database.Contexts, Microsoft.Extensions.Logging.Abstractions.NullLogger<DatabaseMigrator>.Instance).MigrateAsync(ct);
        await using var db = NewContext();

        // SharedQueries is one instance for the SQLite and the PostgreSQL cases alike: whichever runs
        // second meets a model the query was not first compiled for.
        (await SharedQueries.RoleExists.For(db)(db, "Owner", ct)).ShouldBeTrue();
        (await SharedQueries.RoleExists.For(db)(db, "Nobody", ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task Migrator_seeds_every_role_and_can_run_again()
    {
        await new DatabaseMigrator(database.Contexts, Microsoft.Extensions.Logging.Abstractions.NullLogger<DatabaseMigrator>.Instance)
            .MigrateAsync(TestContext.Current.CancellationToken);
        await using var db = NewContext();

        var roles = await db.Roles.Select(r => r.Name).OrderBy(n => n).ToListAsync(TestContext.Current.CancellationToken);
        roles.ShouldBe(["Admin", "Moderator", "Owner"]);
    }

    [Fact]
    public async Task Audit_entry_cannot_be_changed_through_the_context()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = NewContext();
        var entry = AuditEntry.Record(Now, "owner", AuditActions.Login, "x", "127.0.0.1", AuditOutcome.Success);
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(ct);

        db.AuditEntries.Remove(entry);

        await Should.ThrowAsync<InvalidOperationException>(() => db.SaveChangesAsync(ct));
    }

    [Fact]
    public async Task Audit_entry_cannot_be_changed_even_with_raw_sql()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var db = NewContext())
        {
            db.AuditEntries.Add(AuditEntry.Record(Now, "owner", AuditActions.Login, "raw-sql-case", null, AuditOutcome.Success));
            await db.SaveChangesAsync(ct);
        }

        await using (var db = NewContext())
        {
            await Should.ThrowAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE audit_entries SET \"Actor\" = 'mallory' WHERE \"Target\" = 'raw-sql-case'", ct));
            await Should.ThrowAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM audit_entries WHERE \"Target\" = 'raw-sql-case'", ct));
        }

        await using (var db = NewContext())
        {
            (await db.AuditEntries.SingleAsync(e => e.Target == "raw-sql-case", ct)).Actor.ShouldBe("owner");
        }
    }

    [Fact]
    public async Task Audit_entries_filter_and_order_by_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var marker = "order-" + Guid.NewGuid().ToString("N")[..8];
        await using (var db = NewContext())
        {
            for (var i = 0; i < 5; i++)
            {
                db.AuditEntries.Add(AuditEntry.Record(Now.AddMinutes(-i * 10), "owner", AuditActions.Login, marker, null, AuditOutcome.Success, i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            await db.SaveChangesAsync(ct);
        }

        await using (var db = NewContext())
        {
            var from = Now.AddMinutes(-25);
            var found = await db.AuditEntries.Where(e => e.Target == marker && e.Timestamp >= from)
                .OrderBy(e => e.Timestamp).Select(e => e.Details).ToListAsync(ct);
            found.ShouldBe(["2", "1", "0"]);
        }
    }

    [Fact]
    public async Task API_token_hash_is_unique()
    {
        var ct = TestContext.Current.CancellationToken;
        var userId = await CreateUserAsync("token-user-" + Guid.NewGuid().ToString("N")[..6]);
        var (first, plain) = ApiToken.Issue("one", userId, Now);
        await using (var db = NewContext())
        {
            db.ApiTokens.Add(first);
            await db.SaveChangesAsync(ct);
        }

        await using (var db = NewContext())
        {
            var (second, _) = ApiToken.Issue("two", userId, Now);
            typeof(ApiToken).GetProperty(nameof(ApiToken.Hash))!.SetValue(second, ApiToken.HashOf(plain));
            db.ApiTokens.Add(second);
            await Should.ThrowAsync<DbUpdateException>(() => db.SaveChangesAsync(ct));
        }
    }

    [Fact]
    public async Task API_token_round_trips_its_times()
    {
        var ct = TestContext.Current.CancellationToken;
        var userId = await CreateUserAsync("times-" + Guid.NewGuid().ToString("N")[..6]);
        var (token, _) = ApiToken.Issue("times", userId, Now);
        token.RecordUse(Now.AddSeconds(90), "127.0.0.1");
        await using (var db = NewContext())
        {
            db.ApiTokens.Add(token);
            await db.SaveChangesAsync(ct);
        }

        await using (var db = NewContext())
        {
            var loaded = await db.ApiTokens.SingleAsync(t => t.Id == token.Id, ct);
            loaded.CreatedAt.ShouldBe(Now);
            loaded.LastUsedAt.ShouldBe(Now.AddSeconds(90));
            loaded.RevokedAt.ShouldBeNull();
        }
    }

    [Fact]
    public async Task Setup_record_can_exist_only_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var db = NewContext())
        {
            if (!await db.SetupRecords.AnyAsync(ct))
            {
                db.SetupRecords.Add(new SetupRecord { OwnerUserId = "a", CompletedAt = Now });
                await db.SaveChangesAsync(ct);
            }
        }

        await using (var db = NewContext())
        {
            db.SetupRecords.Add(new SetupRecord { OwnerUserId = "b", CompletedAt = Now });
            await Should.ThrowAsync<DbUpdateException>(() => db.SaveChangesAsync(ct));
        }
    }

    private async Task<string> CreateUserAsync(string name)
    {
        await using var db = NewContext();
        var user = new PanelUser { UserName = name, NormalizedUserName = name.ToUpperInvariant(), CreatedAt = Now, SecurityStamp = Guid.NewGuid().ToString() };
        db.Users.Add(user);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return user.Id;
    }
}

public sealed class SqlitePersistenceTests(SqliteDatabase database) : PersistenceCases<SqliteDatabase>(database);

public sealed class PostgresPersistenceTests(PostgresPanelDatabase database) : PersistenceCases<PostgresPanelDatabase>(database);

/// <summary>Compiled queries shared by every provider's cases (a generic class would have one per provider).</summary>
internal static class SharedQueries
{
    public static readonly CompiledQuery<Func<PanelDbContext, string, CancellationToken, Task<bool>>> RoleExists =
        new(() => EF.CompileAsyncQuery((PanelDbContext db, string name, CancellationToken _) => db.Roles.Any(r => r.Name == name)));
}
