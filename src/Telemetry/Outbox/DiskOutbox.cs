using Microsoft.Win32.SafeHandles;

namespace EdgeAgent.Telemetry.Outbox;

/// <summary>
/// Bounded on-disk outbox: append-only segment files, a CRC per record, one reader that
/// acknowledges in order. Every open starts a fresh segment, so files from earlier runs are
/// never written again and a torn tail stays a torn tail. When the size limit is hit the
/// oldest segment goes, and the records it still held are counted per stream.
/// </summary>
public sealed class DiskOutbox : IOutbox
{
    private static readonly TimeSpan StateWriteInterval = TimeSpan.FromMilliseconds(250);

    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, Segment> _segments = new();
    private readonly Dictionary<string, ulong> _lastSequence = new();
    private readonly Dictionary<string, long> _droppedTotal = new();
    private readonly Dictionary<string, ulong> _droppedUnreported = new();
    private readonly ReadCounters _readCounters = new();
    private TaskCompletionSource _appendSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _appendWatched;
    private readonly ITimer? _fsyncTimer;
    private readonly int _maxBody;
    private byte[] _writeBuffer = new byte[4096];
    private int _staged;
    private readonly List<(string Stream, ulong Previous)> _stagedSequences = [];
    private Segment _active;
    private OutboxPosition _acknowledged;
    private OutboxPosition _read;
    private long _bytes, _appended, _acknowledgedCount, _pending, _corruptSegments, _stateErrors;
    private long _lastFsyncTicks, _lastStateWriteTicks;
    private bool _dirty, _stateDirty, _disposed;

    private sealed class Segment(long id, string path, SafeFileHandle handle, long length)
    {
        public long Id { get; } = id;
        public string Path { get; } = path;
        public SafeFileHandle Handle { get; } = handle;
        public long Length { get; set; } = length;
    }

    private DiskOutbox(OutboxOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _maxBody = options.MaxRecordBytes + 2 + 32 + 16;
        Directory.CreateDirectory(options.Directory);
        var state = OutboxStateFile.Read(options.Directory, out var stateError);
        if (stateError is not null) _stateErrors++;
        _acknowledged = state?.Acknowledged ?? default;
        foreach (var (stream, seq) in state?.LastSequence ?? new Dictionary<string, ulong>()) _lastSequence[stream] = seq;
        LoadSegments();
        long nextId = _segments.Count == 0 ? Math.Max(_acknowledged.Segment, 0) + 1 : _segments.Keys.Max() + 1;
        _active = CreateSegment(nextId);
        _read = _acknowledged;
        NormalizeCursor(ref _read);
        _lastFsyncTicks = _lastStateWriteTicks = time.GetTimestamp();
        if (options.Fsync == FsyncPolicy.Interval)
            _fsyncTimer = time.CreateTimer(_ => FlushFromTimer(), null, options.FsyncInterval, options.FsyncInterval);
    }

    public static DiskOutbox Open(OutboxOptions options, TimeProvider? time = null)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid outbox options: " + string.Join("; ", problems), nameof(options));
        return new DiskOutbox(options, time ?? TimeProvider.System);
    }

    /// <summary>Reads what earlier runs left: drops acknowledged and damaged segments, learns sequence numbers and the backlog.</summary>
    private void LoadSegments()
    {
        var scratch = new ReadCounters();
        Span<byte> header = stackalloc byte[SegmentFormat.SegmentHeaderBytes];
        foreach (var path in Directory.EnumerateFiles(_options.Directory, "*" + SegmentFormat.FileExtension).Order(StringComparer.Ordinal))
        {
            if (!SegmentFormat.TryParseFileName(path, out long id)) continue;
            if (id < _acknowledged.Segment)
            {
                File.Delete(path);
                continue;
            }
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            long length = RandomAccess.GetLength(handle);
            if (RandomAccess.Read(handle, header, 0) < header.Length || !SegmentFormat.IsValidSegmentHeader(header, id))
            {
                handle.Dispose();
                _corruptSegments++;
                File.Delete(path);
                continue;
            }
            if (length == SegmentFormat.SegmentHeaderBytes)
            {
                // An earlier run that appended nothing: keep the directory from filling with empty files.
                handle.Dispose();
                File.Delete(path);
                continue;
            }
            var segment = new Segment(id, path, handle, length);
            _segments[id] = segment;
            _bytes += length;
            var acknowledged = _acknowledged;
            SegmentReader.Visit(handle, id, SegmentFormat.SegmentHeaderBytes, length, true, _maxBody, scratch,
                (stream, seq, _, _, end) =>
                {
                    if (!_lastSequence.TryGetValue(stream, out var last) || seq > last) _lastSequence[stream] = seq;
                    if (end > acknowledged) _pending++;
                    return true;
                });
        }
    }

    private Segment CreateSegment(long id)
    {
        var path = Path.Combine(_options.Directory, SegmentFormat.FileName(id));
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        Span<byte> header = stackalloc byte[SegmentFormat.SegmentHeaderBytes];
        SegmentFormat.WriteSegmentHeader(header, id);
        RandomAccess.Write(handle, header, 0);
        var segment = new Segment(id, path, handle, header.Length);
        _segments[id] = segment;
        _bytes += header.Length;
        return segment;
    }

    public ulong Append(string stream, ReadOnlySpan<byte> payload, long timestampUnixMs)
    {
        Validate(stream, payload.Length);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                ulong sequence = Stage(stream, payload, timestampUnixMs);
                Commit();
                return sequence;
            }
            finally
            {
                DiscardStaged();
            }
        }
    }

    /// <summary>
    /// One write for the whole batch (one per segment it spans), each record still framed and
    /// CRC-checked on its own: a crash mid-write costs the records the write did not finish, never
    /// the complete ones before them. When this returns the records are exactly as durable as after
    /// as many single appends; when it throws, a leading part of the batch may have been stored.
    /// </summary>
    public void Append(ReadOnlySpan<OutboxEntry> entries, Span<ulong> sequences)
    {
        if (sequences.Length < entries.Length) throw new ArgumentException("fewer sequence slots than entries", nameof(sequences));
        foreach (var entry in entries) Validate(entry.Stream, entry.Payload.Length);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                for (int i = 0; i < entries.Length; i++)
                    sequences[i] = Stage(entries[i].Stream, entries[i].Payload.Span, entries[i].TimestampUnixMs);
                Commit();
            }
            finally
            {
                DiscardStaged();
            }
        }
    }

    private void Validate(string stream, int payloadLength)
    {
        if (!SegmentFormat.IsValidStreamName(stream)) throw new ArgumentException($"invalid stream name '{stream}'", nameof(stream));
        if (payloadLength > _options.MaxRecordBytes)
            throw new ArgumentException($"record of {payloadLength} bytes exceeds the outbox limit of {_options.MaxRecordBytes}", "payload");
    }

    /// <summary>Encodes a record into the write buffer under the stream's next sequence number. Whatever
    /// must happen on disk first (a segment roll, dropping the oldest segment) writes the staged records
    /// before it, so the state file never names a sequence number that is not on disk.</summary>
    private ulong Stage(string stream, ReadOnlySpan<byte> payload, long timestampUnixMs)
    {
        int length = SegmentFormat.RecordLength(stream, payload.Length);
        if (_active.Length + _staged + length > _options.SegmentBytes)
        {
            WriteStaged();
            Roll();
        }
        if (_bytes + _staged + length > _options.MaxBytes)
        {
            WriteStaged();
            EnforceCapacity(length);
        }
        ulong previous = _lastSequence.GetValueOrDefault(stream);
        ulong sequence = previous + 1;
        if (_writeBuffer.Length < _staged + length) Array.Resize(ref _writeBuffer, Math.Max(_staged + length, _writeBuffer.Length * 2));
        SegmentFormat.WriteRecord(_writeBuffer.AsSpan(_staged), stream, sequence, timestampUnixMs, payload);
        _stagedSequences.Add((stream, previous));
        _lastSequence[stream] = sequence;
        _staged += length;
        return sequence;
    }

    private void WriteStaged()
    {
        if (_staged == 0) return;
        RandomAccess.Write(_active.Handle, _writeBuffer.AsSpan(0, _staged), _active.Length);
        _active.Length += _staged;
        _bytes += _staged;
        _appended += _stagedSequences.Count;
        _pending += _stagedSequences.Count;
        _dirty = true;
        _stateDirty = true;
        _staged = 0;
        _stagedSequences.Clear();
    }

    /// <summary>Writes what is staged, then syncs as the policy says and wakes the forwarder.</summary>
    private void Commit()
    {
        WriteStaged();
        if (_options.Fsync == FsyncPolicy.Always ||
            (_options.Fsync == FsyncPolicy.Interval && _time.GetElapsedTime(_lastFsyncTicks) >= _options.FsyncInterval))
            FlushActive();
        // Only pay for a new signal when someone is waiting on the current one.
        if (_appendWatched)
        {
            _appendWatched = false;
            _appendSignal.TrySetResult();
            _appendSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>After a failed write: staged records were never stored, so their sequence numbers are given back.</summary>
    private void DiscardStaged()
    {
        for (int i = _stagedSequences.Count - 1; i >= 0; i--)
        {
            var (stream, previous) = _stagedSequences[i];
            if (previous == 0) _lastSequence.Remove(stream);
            else _lastSequence[stream] = previous;
        }
        _stagedSequences.Clear();
        _staged = 0;
    }

    private void Roll()
    {
        if (_options.Fsync != FsyncPolicy.Never) FlushActive();
        _active = CreateSegment(_active.Id + 1);
    }

    /// <summary>Drops whole oldest segments until the new record fits, counting what they held undelivered.</summary>
    private void EnforceCapacity(int incoming)
    {
        while (_bytes + incoming > _options.MaxBytes && _segments.Count > 1)
        {
            var oldest = _segments.First().Value;
            if (oldest == _active) break;
            var acknowledged = _acknowledged;
            var dropped = new ReadCounters();
            SegmentReader.Visit(oldest.Handle, oldest.Id, SegmentFormat.SegmentHeaderBytes, oldest.Length, true, _maxBody, dropped,
                (stream, _, _, _, end) =>
                {
                    if (end <= acknowledged) return true;
                    _droppedTotal[stream] = _droppedTotal.GetValueOrDefault(stream) + 1;
                    _droppedUnreported[stream] = _droppedUnreported.GetValueOrDefault(stream) + 1;
                    _pending--;
                    return true;
                });
            var next = new OutboxPosition(oldest.Id + 1, SegmentFormat.SegmentHeaderBytes);
            if (_acknowledged < next) _acknowledged = next;
            if (_read < next) _read = next;
            // Persist sequence numbers before their last evidence on disk disappears.
            WriteState();
            DeleteSegment(oldest);
        }
    }

    public IReadOnlyList<OutboxRecord> Read(int max)
    {
        var records = new List<OutboxRecord>(Math.Min(max, 16));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            while (records.Count < max)
            {
                NormalizeCursor(ref _read);
                if (!_segments.TryGetValue(_read.Segment, out var segment)) break;
                bool isActive = segment == _active;
                if (_read.Offset >= segment.Length)
                {
                    if (isActive) break;
                    _read = new OutboxPosition(segment.Id + 1, SegmentFormat.SegmentHeaderBytes);
                    continue;
                }
                long offset = SegmentReader.Visit(segment.Handle, segment.Id, _read.Offset, segment.Length, !isActive, _maxBody, _readCounters,
                    (stream, seq, timestamp, payload, end) =>
                    {
                        records.Add(new OutboxRecord(stream, seq, timestamp, payload.ToArray(), end));
                        return records.Count < max;
                    });
                if (offset == _read.Offset) break;
                _read = new OutboxPosition(segment.Id, offset);
            }
        }
        return records;
    }

    /// <summary>Moves a cursor that points into a deleted segment to the start of the next one that exists.</summary>
    private void NormalizeCursor(ref OutboxPosition cursor)
    {
        if (_segments.ContainsKey(cursor.Segment) && cursor.Offset >= SegmentFormat.SegmentHeaderBytes) return;
        foreach (var id in _segments.Keys)
        {
            if (id > cursor.Segment || (id == cursor.Segment && cursor.Offset < SegmentFormat.SegmentHeaderBytes))
            {
                cursor = new OutboxPosition(id, SegmentFormat.SegmentHeaderBytes);
                return;
            }
        }
    }

    public void Acknowledge(OutboxRecord last, int count)
    {
        lock (_gate)
        {
            if (_disposed || last.End <= _acknowledged) return;
            _acknowledged = last.End;
            _acknowledgedCount += count;
            _pending = Math.Max(0, _pending - count);
            _stateDirty = true;
            bool deleted = false;
            while (_segments.Count > 1 && _segments.First().Value is { } oldest && oldest != _active && oldest.Id < _acknowledged.Segment)
            {
                if (!deleted) WriteState();
                deleted = true;
                DeleteSegment(oldest);
            }
            if (!deleted && _time.GetElapsedTime(_lastStateWriteTicks) >= StateWriteInterval) WriteState();
        }
    }

    public void Rewind()
    {
        lock (_gate) _read = _acknowledged;
    }

    public ulong TakeDropped(string stream)
    {
        lock (_gate) return _droppedUnreported.Remove(stream, out var count) ? count : 0;
    }

    public Task NextAppend
    {
        get
        {
            lock (_gate)
            {
                _appendWatched = true;
                return _appendSignal.Task;
            }
        }
    }

    public OutboxStats Stats
    {
        get
        {
            lock (_gate)
                return new OutboxStats(_appended, _acknowledgedCount, _pending, _bytes, _segments.Count, _readCounters.CorruptRegions,
                    _corruptSegments, _readCounters.TornTails, _stateErrors, new Dictionary<string, long>(_droppedTotal));
        }
    }

    private void DeleteSegment(Segment segment)
    {
        _segments.Remove(segment.Id);
        _bytes -= segment.Length;
        segment.Handle.Dispose();
        File.Delete(segment.Path);
    }

    private void WriteState()
    {
        OutboxStateFile.Write(_options.Directory, new OutboxState(_acknowledged, new Dictionary<string, ulong>(_lastSequence)));
        _lastStateWriteTicks = _time.GetTimestamp();
        _stateDirty = false;
    }

    private void FlushActive()
    {
        RandomAccess.FlushToDisk(_active.Handle);
        _lastFsyncTicks = _time.GetTimestamp();
        _dirty = false;
    }

    private void FlushFromTimer()
    {
        try
        {
            lock (_gate)
            {
                if (_disposed) return;
                if (_dirty) FlushActive();
                if (_stateDirty) WriteState();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next append or acknowledgement retries; a timer thread has nobody to report to.
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _fsyncTimer?.Dispose();
            try
            {
                if (_options.Fsync != FsyncPolicy.Never && _dirty) FlushActive();
                WriteState();
            }
            finally
            {
                foreach (var segment in _segments.Values) segment.Handle.Dispose();
                _appendSignal.TrySetCanceled();
            }
        }
    }
}
