namespace EdgeAgent.Engine.Runtime;

/// <summary>
/// A small fixed pool of worker threads for kernels. <see cref="Run"/> splits
/// <c>count</c> work items over the workers and the calling thread and returns when all are
/// done. Work is described by a function pointer and a pointer to the caller's (stack)
/// argument block, so dispatching allocates nothing on the managed heap.
/// One pool serves one execution context at a time: calls must not overlap.
/// </summary>
public sealed unsafe class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim _start;
    private readonly CountdownEvent _done;
    private delegate*<nint, int, void> _body;
    private nint _state;
    private int _count;
    private int _next;
    private volatile bool _stopping;

    /// <param name="threads">Total threads working on a call, including the caller; at least 1.</param>
    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "at least one thread is needed");
        Threads = threads;
        _start = new SemaphoreSlim(0);
        _done = new CountdownEvent(1);
        _threads = new Thread[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"edgeagent-cpu-{i + 1}" };
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
        int helpers = Math.Min(_threads.Length, count - 1);
        _done.Reset(helpers);
        _start.Release(helpers);
        Work();
        _done.Wait();
    }

    private void Work()
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < _count) _body(_state, i);
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _start.Wait();
            if (_stopping) return;
            try { Work(); }
            finally { _done.Signal(); }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        if (_threads.Length > 0) _start.Release(_threads.Length);
        foreach (var t in _threads) t.Join();
        _start.Dispose();
        _done.Dispose();
    }
}
