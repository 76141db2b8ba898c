namespace EdgeAgent.Agent.Deployment;

/// <summary>
/// A chunked transfer in progress: the on-disk assembler plus what the deployment waits on.
/// Chunks arrive on the command thread while the deployment waits on its own task, so every
/// use of the assembler goes through this lock.
/// </summary>
public sealed class ChunkTransfer(ChunkAssembler assembler) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;
    private long _lastChunkTicks = Environment.TickCount64;
    private int _lastReportedDecile = -1;

    public Task Completed => _complete.Task;
    public int Total => assembler.ChunkCount;
    public TimeSpan SinceLastChunk => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastChunkTicks));

    public (ChunkResult Result, int Received, int? NewDecile) Accept(long index, ReadOnlySpan<byte> data, uint crc32c)
    {
        lock (_gate)
        {
            if (_closed) return (ChunkResult.Duplicate, assembler.ChunkCount, null);
            var result = assembler.Accept(index, data, crc32c);
            // Acknowledged means on disk: after a crash the device asks only for chunks it never confirmed.
            if (result == ChunkResult.Accepted) assembler.Sync();
            Interlocked.Exchange(ref _lastChunkTicks, Environment.TickCount64);
            int decile = (int)(assembler.Progress * 10);
            int? report = null;
            if (result == ChunkResult.Accepted && decile != _lastReportedDecile)
            {
                _lastReportedDecile = decile;
                report = decile;
            }
            if (assembler.Complete) _complete.TrySetResult();
            return (result, assembler.ReceivedCount, report);
        }
    }

    public (int Received, IReadOnlyList<int> Missing) State(int limit)
    {
        lock (_gate) return _closed ? (Total, []) : (assembler.ReceivedCount, assembler.Missing(limit));
    }

    public int Percent
    {
        get { lock (_gate) return _closed ? 100 : (int)(assembler.Progress * 100); }
    }

    /// <summary>Checks the sha256 and hands over the part file; no chunk is accepted after this.</summary>
    public string Finish()
    {
        lock (_gate)
        {
            string path = assembler.Finish();
            _closed = true;
            assembler.Dispose();
            return path;
        }
    }

    /// <summary>Throws away the transfer (bad sha256: the next attempt starts from nothing).</summary>
    public void Discard()
    {
        lock (_gate)
        {
            _closed = true;
            assembler.Delete();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            assembler.Dispose();
        }
    }
}
