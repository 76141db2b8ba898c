using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources;

/// <summary>
/// A stream of frames of one fixed geometry. The caller owns the pixel buffers: a source decodes
/// into the memory it is handed, so a frame ring can recycle preallocated slots.
/// </summary>
public interface IFrameSource : IAsyncDisposable
{
    /// <summary>Human-readable name for logs; credentials are redacted.</summary>
    string Name { get; }

    /// <summary>Valid after <see cref="StartAsync"/> returned.</summary>
    FrameGeometry Geometry { get; }

    /// <summary>Opens the source (starts the decoder, connects) and learns its geometry.</summary>
    ValueTask StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Fills <paramref name="destination"/> (at least <see cref="FrameGeometry.ByteCount"/> bytes) with
    /// the next frame. Returns null at a clean end of stream; throws <see cref="FrameSourceException"/>
    /// when the source broke.
    /// </summary>
    ValueTask<FrameInfo?> ReadFrameAsync(Memory<byte> destination, CancellationToken cancellationToken);
}
