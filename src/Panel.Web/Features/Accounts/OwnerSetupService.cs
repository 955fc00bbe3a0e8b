using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Panel.Domain.Accounts;
using Panel.Domain.Audit;
using Panel.Infrastructure.Identity;
using Panel.Infrastructure.Persistence;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Accounts;

public sealed record SetupResult(bool Succeeded, bool AlreadyDone, IReadOnlyList<string> Errors, PanelUser? Owner)
{
    public static SetupResult Done(PanelUser owner) => new(true, false, [], owner);

    public static SetupResult TooLate { get; } = new(false, true, ["The panel is already set up: an owner exists."], null);

    public static SetupResult Invalid(IEnumerable<string> errors) => new(false, false, errors.ToList(), null);
}

/// <summary>
/// Creates the owner account, exactly once. The web setup page and the <c>admin create-owner</c>
/// command both come here.
/// </summary>
public sealed partial class OwnerSetupService(
    IServiceScopeFactory scopes,
    SetupState state,
    TimeProvider clock,
    ILogger<OwnerSetupService> logger)
{
    // Serialises setups inside this process; the database's fixed key serialises them across processes.
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public async Task<SetupResult> CreateOwnerAsync(string userName, string? email, string password, AuditActor actor, CancellationToken cancellationToken)
    {
        if (await state.IsCompleteAsync(cancellationToken))
        {
            return SetupResult.TooLate;
        }

        await Gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PanelDbContext>();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PanelUser>>();

            var owner = new PanelUser
            {
                UserName = userName?.Trim(),
                Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim(),
                CreatedAt = clock.GetUtcNow(),
            };
            var problems = await ValidateAsync(users, owner, password);
            if (problems.Count > 0)
            {
                return SetupResult.Invalid(problems);
            }

            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.SetupRecords.Add(new SetupRecord { OwnerUserId = owner.Id, CompletedAt = clock.GetUtcNow() });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another process won the race and holds the one setup row.
                state.MarkComplete();
                return SetupResult.TooLate;
            }

            var created = await users.CreateAsync(owner, password);
            if (!created.Succeeded)
            {
                return SetupResult.Invalid(created.Errors.Select(e => e.Description));
            }

            var role = await users.AddToRoleAsync(owner, PanelRoles.Owner);
            if (!role.Succeeded)
            {
                return SetupResult.Invalid(role.Errors.Select(e => e.Description));
            }

            db.AuditEntries.Add(AuditEntry.Record(clock.GetUtcNow(), actor.Name == "anonymous" ? owner.UserName! : actor.Name,
                AuditActions.Setup, $"panel-user:{owner.UserName}", actor.SourceAddress, AuditOutcome.Success));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);

            state.MarkComplete();
            LogOwnerCreated(logger, owner.UserName!);
            return SetupResult.Done(owner);
        }
        finally
        {
            Gate.Release();
        }
    }

    // Checks the user name and password with Identity's own validators before anything is written,
    // so a weak password never costs the setup row.
    private static async Task<List<string>> ValidateAsync(UserManager<PanelUser> users, PanelUser owner, string password)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(owner.UserName))
        {
            problems.Add("A user name is required.");
            return problems;
        }

        foreach (var validator in users.UserValidators)
        {
            var result = await validator.ValidateAsync(users, owner);
            problems.AddRange(result.Errors.Select(e => e.Description));
        }

        problems.AddRange(await PasswordProblemsAsync(users, owner, password));
        return problems;
    }

    internal static async Task<IReadOnlyList<string>> PasswordProblemsAsync(UserManager<PanelUser> users, PanelUser user, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return ["A password is required."];
        }

        if (password.Length > PasswordPolicy.MaximumLength)
        {
            return [$"Passwords must be at most {PasswordPolicy.MaximumLength} characters."];
        }

        var problems = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, user, password);
            problems.AddRange(result.Errors.Select(e => e.Description));
        }

        return problems;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "First-run setup created the owner account {UserName}")]
    private static partial void LogOwnerCreated(ILogger logger, string userName);
}
