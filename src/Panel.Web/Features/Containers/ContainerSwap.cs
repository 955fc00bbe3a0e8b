using Panel.Domain.Common;
using Panel.Domain.Containers;
using Panel.Web.Features.Homeserver;

namespace Panel.Web.Features.Containers;

/// <summary>How to replace one container by another of a new image, on the same volumes.</summary>
/// <param name="Name">The container's name, which the new one takes.</param>
/// <param name="PreviousName">Where the old container waits (stopped) until the new one is ready.</param>
/// <param name="StopGrace">How long the old container may take to stop.</param>
/// <param name="CreateNew">Creates (does not start) the new container under <paramref name="Name"/>.</param>
/// <param name="WaitReady">Waits until the container under <paramref name="Name"/> serves; throws when it does not.</param>
/// <param name="RecreateOld">Makes the old container again when its kept copy is gone (null: it cannot be).</param>
public sealed record SwapPlan(
    string Name,
    string PreviousName,
    TimeSpan StopGrace,
    Func<CancellationToken, Task> CreateNew,
    Func<CancellationToken, Task> WaitReady,
    Func<CancellationToken, Task>? RecreateOld = null);

/// <summary>
/// Swapping a container with rollback, the one place it is written (the homeserver and bridge
/// upgrades): the old container is stopped and kept aside, the new one is created, started and
/// waited for; if anything in that fails, the new one goes, the old one comes back and is waited for,
/// and only then is it said to run again. The reconciler settles a swap that a crash interrupted.
/// </summary>
public static class ContainerSwap
{
    /// <exception cref="ContainerSwapException">The new container did not become ready; says whether the old one runs again.</exception>
    public static async Task ReplaceAsync(this IContainerRuntime docker, SwapPlan plan, OperationContext progress, string replaceStep, CancellationToken cancellationToken)
    {
        await docker.RemoveAsync(plan.PreviousName, cancellationToken);
        if (await docker.InspectAsync(plan.Name, cancellationToken) is { } old)
        {
            if (old.IsRunning)
            {
                await docker.StopAsync(old.Id, plan.StopGrace, cancellationToken);
            }

            await docker.RenameAsync(old.Id, plan.PreviousName, cancellationToken);
        }

        try
        {
            await plan.CreateNew(cancellationToken);
            await docker.StartAsync(plan.Name, cancellationToken);
            progress.Done(replaceStep);
            await plan.WaitReady(cancellationToken);
        }
        catch (Exception failure) when (OperationFailure.Fails(failure, cancellationToken))
        {
            // Whatever stopped the new container (the engine refusing it, a crash, no readiness),
            // the old one comes back before the caller hears of it.
            var reason = OperationFailure.Describe(failure);
            throw await RollBackAsync(docker, plan, reason, failure);
        }

        await docker.RemoveAsync(plan.PreviousName, cancellationToken);
    }

    private static async Task<ContainerSwapException> RollBackAsync(IContainerRuntime docker, SwapPlan plan, string reason, Exception failure)
    {
        // Not cancellable: a half-done rollback is worse than a slow one.
        var none = CancellationToken.None;
        try
        {
            await docker.RemoveAsync(plan.Name, none);
            if (await docker.InspectAsync(plan.PreviousName, none) is { } kept)
            {
                await docker.RenameAsync(kept.Id, plan.Name, none);
            }
            else if (plan.RecreateOld is not null)
            {
                await plan.RecreateOld(none);
            }
            else
            {
                return new ContainerSwapException(reason, SwapRollback.PreviousGone, "the previous container is gone", failure);
            }

            await docker.StartAsync(plan.Name, none);
            // "Running again" is only said once it serves again.
            await plan.WaitReady(none);
            return new ContainerSwapException(reason, SwapRollback.Running, null, failure);
        }
        catch (Exception again)
        {
            return new ContainerSwapException(reason, SwapRollback.Failed, OperationFailure.Describe(again), failure);
        }
    }
}

/// <summary>Where a failed swap left the old container.</summary>
public enum SwapRollback
{
    /// <summary>It runs again, and serves.</summary>
    Running,

    /// <summary>Its kept copy was gone, and it could not be made again.</summary>
    PreviousGone,

    /// <summary>Bringing it back failed (see <see cref="ContainerSwapException.RollbackFailure"/>).</summary>
    Failed,
}

/// <summary>A swap whose new container did not become ready.</summary>
public sealed class ContainerSwapException : DomainException
{
    public ContainerSwapException(string reason, SwapRollback rollback, string? rollbackFailure, Exception inner)
        : base(rollback == SwapRollback.Running ? $"The new container did not become ready, and the previous one runs again. {reason}" : $"The new container did not become ready, and the previous one did not come back ({rollbackFailure}). {reason}", inner)
    {
        Reason = reason;
        Rollback = rollback;
        RollbackFailure = rollbackFailure;
    }

    public ContainerSwapException() : this("", SwapRollback.Failed, null, new InvalidOperationException()) { }

    public ContainerSwapException(string message) : this(message, SwapRollback.Failed, null, new InvalidOperationException(message)) { }

    public ContainerSwapException(string message, Exception inner) : this(message, SwapRollback.Failed, null, inner) { }

    /// <summary>Why the new container failed.</summary>
    public string Reason { get; }

    public SwapRollback Rollback { get; }

    /// <summary>The old container runs again and serves.</summary>
    public bool OldRunning => Rollback == SwapRollback.Running;

    /// <summary>Why the old container did not come back, when it did not.</summary>
    public string? RollbackFailure { get; }
}
