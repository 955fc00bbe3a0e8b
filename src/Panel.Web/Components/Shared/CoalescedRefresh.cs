namespace Panel.Web.Components.Shared;

/// <summary>
/// Refreshes a page that events, operations and a timer all poke, in bursts: one refresh runs at a
/// time, and a poke that arrives meanwhile makes it run once more, so the last change is never lost.
/// </summary>
public sealed class CoalescedRefresh(Func<Task> refresh)
{
    private int _running;
    private int _again;

    public async Task RunAsync()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            Interlocked.Exchange(ref _again, 1);
            return;
        }

        try
        {
            do
            {
                Interlocked.Exchange(ref _again, 0);
                await refresh();
            }
            while (Interlocked.CompareExchange(ref _again, 0, 1) == 1);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The page went away while it refreshed.
        }
        finally
        {
            Interlocked.Exchange(ref _running, 0);
        }
    }

    /// <summary>Also refreshes every <paramref name="period"/> until <paramref name="stop"/>; returns the timer's task.</summary>
    public async Task EveryAsync(TimeSpan period, Func<Func<Task>, Task> onRenderer, CancellationToken stop)
    {
        try
        {
            using var timer = new PeriodicTimer(period);
            while (await timer.WaitForNextTickAsync(stop))
            {
                await onRenderer(RunAsync);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
