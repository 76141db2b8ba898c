using System.Runtime.InteropServices;

namespace EdgeAgent.Agent.Hosting;

/// <summary>
/// Runs slow background work (engine builds, validation) on its own thread with a raised nice
/// value, so the scheduler always prefers the live loop's threads. Linux lets any thread lower
/// its own priority; .NET's Thread.Priority does nothing there without privileges.
/// </summary>
public static partial class LowPriority
{
    private const int Nice = 10;

    public static Task<T> RunAsync<T>(Func<T> work, string name, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                Lower();
                done.SetResult(work());
            }
            catch (OperationCanceledException e)
            {
                done.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }) { Name = name, IsBackground = true };
        thread.Start();
        return done.Task;
    }

    private static void Lower()
    {
        try
        {
            // PRIO_PROCESS with a thread id changes only that thread on Linux.
            SetPriority(0, GetTid(), Nice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
