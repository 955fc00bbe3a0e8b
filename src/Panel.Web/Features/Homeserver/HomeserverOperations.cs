using Panel.Domain.Audit;
using Panel.Domain.Common;
using Panel.Web.Features.Audit;

namespace Panel.Web.Features.Homeserver;

public enum StepStatus
{
    Pending,
    Running,
    Done,
    Skipped,
    Failed,
}

/// <summary>One step; <see cref="StartedAt"/> and <see cref="FinishedAt"/> say how long it took (shown in the UI, read by the bench).</summary>
public sealed record OperationStepView(string Key, string Title, StepStatus Status, double? Percent, string? Message, DateTimeOffset? StartedAt = null, DateTimeOffset? FinishedAt = null, string? Details = null)
{
    public double? Seconds => StartedAt is { } s && FinishedAt is { } f ? Math.Round((f - s).TotalSeconds, 3) : null;
}

/// <summary>What the operation writes to the audit log when it ends: the outcome, and on failure the reason.</summary>
public sealed record OperationAudit(AuditActor Actor, string Action, string? Target, string? Details = null);

public sealed record OperationView(string Kind, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, bool Succeeded, string? Error, IReadOnlyList<OperationStepView> Steps, string? Subject = null)
{
    public bool IsRunning => FinishedAt is null;
}

/// <summary>
/// Long homeserver work (install, upgrade, start, stop, uninstall, and bridges, which restart it) runs here, one operation at a time,
/// in the background, with its steps and progress visible to the UI and the API while it runs.
/// </summary>
public sealed partial class HomeserverOperations(TimeProvider clock, IHostApplicationLifetime lifetime, IAuditLog auditLog, ILogger<HomeserverOperations> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _lock = new();
    private OperationState? _current;
    private long _lastNotify;
    private volatile bool _quiet;

    /// <summary>The running operation, or the last one that finished.</summary>
    public OperationView? Current
    {
        get
        {
            lock (_lock)
            {
                return _current?.ToView();
            }
        }
    }

    /// <summary>A visible operation is running (the reconciler's quiet passes do not count: operations wait for them).</summary>
    public bool IsBusy => _gate.CurrentCount == 0 && !_quiet;

    /// <summary>Raised on every change (throttled while progress streams in). Handlers must be quick.</summary>
    public event Action? Changed;

    /// <summary>
    /// Starts an operation in the background and returns at once with a task for its completion (which
    /// never faults: failures end up in <see cref="Current"/>). Throws <see cref="ConflictException"/>
    /// when another operation is running.
    /// </summary>
    /// <remarks>
    /// This is the one place where an operation ends. Whatever the work throws, the operation is marked
    /// failed with a sentence a person can act on (<see cref="OperationFailure.Describe"/>), the running
    /// step is failed with it, <paramref name="onFailure"/> puts the records back into a state the UI can
    /// offer a way out of, and <paramref name="audit"/> is written with the outcome. Only the panel's own
    /// shutdown interrupts an operation without failing it (its work resumes or rolls back at the next start).
    /// </remarks>
    public Task Start(
        string kind,
        IReadOnlyList<(string Key, string Title)> steps,
        Func<OperationContext, CancellationToken, Task> work,
        string? subject = null,
        OperationAudit? audit = null,
        Func<string, CancellationToken, Task>? onFailure = null)
    {
        // A reconciler pass is short: wait for it rather than refuse what a person asked for.
        if (!_gate.Wait(100) && !(_quiet && _gate.Wait(TimeSpan.FromSeconds(60))))
        {
            var running = Current;
            throw new ConflictException($"Another homeserver operation is running ({running?.Kind ?? "unknown"}). Wait for it to finish.");
        }

        var state = new OperationState(kind, clock.GetUtcNow(), steps, subject);
        lock (_lock)
        {
            _current = state;
        }

        Notify(force: true);
        var context = new OperationContext(this, state, clock);
        var stopping = lifetime.ApplicationStopping;
        return Task.Run(async () =>
        {
            try
            {
                await work(context, stopping);
                // The audit entry before the end: whoever sees the operation finished finds its entry.
                if (audit is not null)
                {
                    await auditLog.RecordAsync(audit.Actor, audit.Action, audit.Target, AuditOutcome.Success, state.OutcomeDetails ?? audit.Details, CancellationToken.None);
                }

                state.Finish(clock.GetUtcNow(), null);
            }
            catch (Exception ex) when (OperationFailure.Fails(ex, stopping))
            {
                var message = OperationFailure.Describe(ex, state.RunningStepTitle);
                if (ex is not DomainException)
                {
                    LogFailed(logger, kind, ex);
                }

                await FailAsync(state, kind, message, audit, onFailure, (ex as DomainException)?.Details);
            }
            catch (OperationCanceledException)
            {
                // The panel is stopping: the work is interrupted, not failed, and is picked up at the
                // next start. It still ends here, so nothing shows it as running.
                // No onFailure: the records stay as they are, for the next start to pick up.
                await FailAsync(state, kind, "The panel stopped before this operation ended; it is resumed or rolled back when the panel starts again.", audit, onFailure: null);
            }
            finally
            {
                _gate.Release();
                Notify(force: true);
            }
        }, CancellationToken.None);
    }

    private async Task FailAsync(OperationState state, string kind, string message, OperationAudit? audit, Func<string, CancellationToken, Task>? onFailure, string? details = null)
    {
        if (onFailure is not null)
        {
            try
            {
                await onFailure(message, CancellationToken.None);
            }
            catch (Exception cleanup)
            {
                // The operation has failed either way; what could not be put back is said beside it.
                LogCleanupFailed(logger, kind, cleanup);
                message += $" (Recording the failure also failed: {OperationFailure.Describe(cleanup)})";
            }
        }

        if (audit is not null)
        {
            await auditLog.RecordAsync(audit.Actor, audit.Action, audit.Target, AuditOutcome.Failure, details is null ? message : $"{message} Details: {details}", CancellationToken.None);
        }

        state.FailRunningStep(message, details, clock.GetUtcNow());
        state.Finish(clock.GetUtcNow(), message);
    }

    /// <summary>
    /// Runs quiet background work (the reconciler) under the same one-at-a-time rule, without showing
    /// it as an operation. Returns false without running when an operation is under way.
    /// </summary>
    public async Task<bool> TryRunExclusiveAsync(Func<Task> work)
    {
        if (!_gate.Wait(0))
        {
            return false;
        }

        _quiet = true;
        try
        {
            await work();
            return true;
        }
        finally
        {
            _quiet = false;
            _gate.Release();
        }
    }

    internal void Notify(bool force = false)
    {
        var now = Environment.TickCount64;
        if (!force && now - Interlocked.Read(ref _lastNotify) < 200)
        {
            return;
        }

        Interlocked.Exchange(ref _lastNotify, now);
        Changed?.Invoke();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Homeserver operation {Kind} failed")]
    private static partial void LogFailed(ILogger logger, string kind, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording the failure of operation {Kind} failed")]
    private static partial void LogCleanupFailed(ILogger logger, string kind, Exception ex);

    internal sealed class OperationState(string kind, DateTimeOffset startedAt, IReadOnlyList<(string Key, string Title)> steps, string? subject)
    {
        private readonly Lock _lock = new();
        private readonly List<OperationStepView> _steps = steps.Select(s => new OperationStepView(s.Key, s.Title, StepStatus.Pending, null, null)).ToList();
        private DateTimeOffset? _finished;
        private string? _error;

        public void Update(string key, Func<OperationStepView, OperationStepView> change)
        {
            lock (_lock)
            {
                var i = _steps.FindIndex(s => s.Key == key);
                if (i >= 0)
                {
                    _steps[i] = change(_steps[i]);
                }
            }
        }

        /// <summary>What the work said it achieved, for the audit entry (replaces the details given at the start).</summary>
        public string? OutcomeDetails { get; set; }

        /// <summary>The title of the step that is running (where a failure happened), if any.</summary>
        public string? RunningStepTitle
        {
            get
            {
                lock (_lock)
                {
                    return _steps.FirstOrDefault(s => s.Status == StepStatus.Running)?.Title;
                }
            }
        }

        public void FailRunningStep(string message, string? details, DateTimeOffset at)
        {
            lock (_lock)
            {
                var i = _steps.FindIndex(s => s.Status == StepStatus.Running);
                if (i >= 0)
                {
                    _steps[i] = _steps[i] with { Status = StepStatus.Failed, Message = message, FinishedAt = at, Details = details };
                }
            }
        }

        public void Finish(DateTimeOffset at, string? error)
        {
            lock (_lock)
            {
                _finished = at;
                _error = error;
            }
        }

        public OperationView ToView()
        {
            lock (_lock)
            {
                return new OperationView(kind, startedAt, _finished, _finished is not null && _error is null, _error, _steps.ToList(), subject);
            }
        }
    }
}

/// <summary>What an operation's code uses to report its steps.</summary>
public sealed class OperationContext
{
    private readonly HomeserverOperations? _owner;
    private readonly HomeserverOperations.OperationState? _state;

    private readonly TimeProvider _clock;

    internal OperationContext(HomeserverOperations? owner, HomeserverOperations.OperationState? state, TimeProvider? clock = null)
    {
        _owner = owner;
        _state = state;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>For work that runs outside an operation (the reconciler): reports go nowhere.</summary>
    public static OperationContext Silent { get; } = new(null, null);

    public void Start(string key, string? message = null) => Set(key, s => s with { Status = StepStatus.Running, Message = message, Percent = null, StartedAt = _clock.GetUtcNow(), FinishedAt = null }, force: true);

    public void Progress(string key, double? percent, string? message) => Set(key, s => s with { Percent = percent, Message = message ?? s.Message }, force: false);

    public void Done(string key, string? message = null) => Set(key, s => s with { Status = StepStatus.Done, Percent = 100, Message = message ?? s.Message, FinishedAt = _clock.GetUtcNow() }, force: true);

    /// <summary>Fails a step with a message, without ending the operation (the caller rolls back, then throws).</summary>
    public void Fail(string key, string message) => Set(key, s => s with { Status = StepStatus.Failed, Message = message, FinishedAt = _clock.GetUtcNow() }, force: true);

    /// <summary>What the operation achieved, in a few words, for its audit entry (a size, a count).</summary>
    public void Outcome(string details)
    {
        if (_state is not null)
        {
            _state.OutcomeDetails = details;
        }
    }

    public void Skip(string key, string message) => Set(key, s => s with { Status = StepStatus.Skipped, Message = message }, force: true);

    private void Set(string key, Func<OperationStepView, OperationStepView> change, bool force)
    {
        _state?.Update(key, change);
        _owner?.Notify(force);
    }
}
