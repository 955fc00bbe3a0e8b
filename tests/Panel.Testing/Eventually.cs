namespace Panel.Testing;

/// <summary>
/// Waits for a condition by asking again, instead of a fixed sleep or a hand-written polling loop:
/// returns as soon as the probe gives a value that passes, and fails with the last value seen.
/// </summary>
public static class Eventually
{
    public static Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, TimeSpan? interval = null) =>
        UntilAsync(probe, done, timeout, () => what, interval);

    /// <summary>As above, with a description made only on failure (to add, say, a container's last logs).</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<string> what, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{what()} did not happen within {timeout.TotalSeconds:0} s. Last seen: {last}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds (60 s unless told, asking every 500 ms).</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, ok => ok, timeout ?? TimeSpan.FromSeconds(60), what, TimeSpan.FromMilliseconds(500));
}
