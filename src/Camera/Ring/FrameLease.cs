using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Ring;

/// <summary>
/// A frame lent out by the ring. Its pixels stay valid until Dispose, which returns the slot; the
/// producer never overwrites a leased slot. Disposing twice is harmless.
/// </summary>
public readonly struct FrameLease : IDisposable
{
    private readonly FrameRing? _ring;
    private readonly int _slot;
    private readonly long _generation;
    private readonly ReadOnlyMemory<byte> _pixels;

    internal FrameLease(FrameRing ring, int slot, long generation, FrameInfo info, ReadOnlyMemory<byte> pixels, TimeSpan queueAge)
    {
        _ring = ring;
        _slot = slot;
        _generation = generation;
        _pixels = pixels;
        Info = info;
        QueueAge = queueAge;
    }

    public FrameInfo Info { get; }

    /// <summary>Packed pixels, <see cref="Frames.FrameGeometry.ByteCount"/> bytes.</summary>
    public ReadOnlySpan<byte> Pixels => _pixels.Span;

    public ReadOnlyMemory<byte> PixelMemory => _pixels;

    /// <summary>How long the frame waited between capture and being taken from the ring.</summary>
    public TimeSpan QueueAge { get; }

    public void Dispose() => _ring?.Release(_slot, _generation);
}
