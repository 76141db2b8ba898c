using System.Diagnostics;

namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// A small fixed pool of worker threads for kernels. <see cref="Run"/> splits <c>count</c>
/// work items over the workers and the calling thread and returns when all are done. Work is a
/// function pointer plus a pointer to the caller's (stack) argument block, so dispatching
/// allocates nothing on the managed heap.
/// <para>
/// An inference dispatches once per layer, often for well under a millisecond of work, so
/// waking a sleeping thread each time would cost more than the work. Workers therefore spin on
/// a generation counter for a short while after each job and only then sleep on their own
/// semaphore; <see cref="Run"/> wakes only the sleepers. One pool serves one execution context
/// at a time: calls must not overlap.
/// </para>
/// </summary>
public sealed unsafe class WorkerPool : IDisposable
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 2000; // 0.5 ms

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private delegate*<nint, int, void> _body;
    private nint _state;
    private int _count;
    private int _next;
    private int _pending;
    private int _generation;
    private volatile bool _stopping;

    /// <param name="threads">Total threads working on a call, including the caller; at least 1.</param>
    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "at least one thread is needed");
        Threads = threads;
        _threads = new Thread[threads - 1];
        _wake = new SemaphoreSlim[threads - 1];
        _sleeping = new int[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i;
            _threads[i] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"edgeagent-cpu-{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>Threads sharing the work of one call (workers plus the caller).</summary>
    public int Threads { get; }

    /// <summary>The default size: one thread per core the process may use.</summary>
    public static int DefaultThreads => Environment.ProcessorCount;

    /// <summary>Runs body(state, i) for i in [0, count), spread over all threads; blocks until done.</summary>
    public void Run(int count, delegate*<nint, int, void> body, nint state)
    {
        if (count <= 0) return;
        if (count == 1 || _threads.Length == 0)
        {
            for (int i = 0; i < count; i++) body(state, i);
            return;
        }
        _body = body;
        _state = state;
        _count = count;
        _next = 0;
        Volatile.Write(ref _pending, _threads.Length);
        Interlocked.Increment(ref _generation);
        for (int i = 0; i < _threads.Length; i++)
            if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();
        Work();
        var spinner = new SpinWait();
        while (Volatile.Read(ref _pending) > 0) spinner.SpinOnce(-1);
    }

    private void Work()
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _count) _body(_state, i);
    }

    private void WorkerLoop(int index)
    {
        int seen = 0;
        while (true)
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            int generation;
            while ((generation = Volatile.Read(ref _generation)) == seen && !_stopping)
            {
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                // Announce the sleep, then look once more: a Run that came in between either
                // sees the flag and releases the semaphore, or is seen here.
                Volatile.Write(ref _sleeping[index], 1);
                if (Volatile.Read(ref _generation) == seen && !_stopping) _wake[index].Wait();
                deadline = Stopwatch.GetTimestamp() + SpinTicks;
            }
            if (_stopping) return;
            seen = generation;
            Work();
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        foreach (var wake in _wake) wake.Release();
        foreach (var t in _threads) t.Join();
        foreach (var wake in _wake) wake.Dispose();
    }
}
