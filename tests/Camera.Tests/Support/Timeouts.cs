namespace EdgeAgent.Camera.Tests.Support;

public static class Timeouts
{
    /// <summary>A token that cancels a test that would otherwise hang.</summary>
    public static CancellationToken After(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public static async Task WaitUntilAsync(Func<bool> condition, int seconds, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out after {seconds} s waiting for {what}");
            await Task.Delay(20);
        }
    }
}
