using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Agent.Service;

/// <summary>A camera frame kept for validating a new engine: packed pixels and their geometry.</summary>
public sealed record GoldenFrame(byte[] Pixels, FrameGeometry Geometry);

/// <summary>
/// The last few camera frames, copied now and then from the live loop, so a candidate engine
/// can be validated on what this camera actually sees ("captured at deploy time"). Buffers are
/// reused: after the first frames, keeping a frame copies but does not allocate.
/// </summary>
public sealed class GoldenFrames
{
    public const int Capacity = 16;
    private readonly Lock _gate = new();
    private readonly byte[]?[] _buffers = new byte[Capacity][];
    private readonly FrameGeometry[] _geometry = new FrameGeometry[Capacity];
    private int _next;
    private int _count;
    private long _lastKept;

    /// <summary>Keeps the frame if at least <paramref name="every"/> passed since the last one kept.</summary>
    public void Offer(ReadOnlySpan<byte> pixels, FrameGeometry geometry, long timestamp, TimeSpan every)
    {
        if (_count > 0 && System.Diagnostics.Stopwatch.GetElapsedTime(_lastKept, timestamp) < every) return;
        lock (_gate)
        {
            var buffer = _buffers[_next];
            if (buffer is null || buffer.Length != pixels.Length) _buffers[_next] = buffer = new byte[pixels.Length];
            pixels.CopyTo(buffer);
            _geometry[_next] = geometry;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(Capacity, _count + 1);
            _lastKept = timestamp;
        }
    }

    /// <summary>Copies of up to <paramref name="max"/> of the newest frames.</summary>
    public IReadOnlyList<GoldenFrame> Snapshot(int max)
    {
        lock (_gate)
        {
            var frames = new List<GoldenFrame>();
            for (int i = 1; i <= Math.Min(max, _count); i++)
            {
                int slot = ((_next - i) % Capacity + Capacity) % Capacity;
                frames.Add(new GoldenFrame((byte[])_buffers[slot]!.Clone(), _geometry[slot]));
            }
            return frames;
        }
    }
}
