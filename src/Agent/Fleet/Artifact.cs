using System.Security.Cryptography;
using EdgeAgent.Telemetry.Wire;
using Microsoft.Win32.SafeHandles;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// The file a deploy ships: its sha256 (the device checks the assembled whole against it) and
/// its chunks, read on demand so a large model is never held in memory at once.
/// </summary>
public sealed class Artifact : IDisposable
{
    public const int DefaultChunkSize = 256 * 1024;
    private static ReadOnlySpan<byte> EngineMagic => "EAENGINE"u8;

    private readonly SafeFileHandle _file;

    private Artifact(string path, ArtifactKind kind, SafeFileHandle file, long length, int chunkSize, byte[] sha256)
    {
        Path = path;
        Kind = kind;
        _file = file;
        Length = length;
        ChunkSize = chunkSize;
        ChunkCount = (int)((length + chunkSize - 1) / chunkSize);
        Sha256 = sha256;
        Sha256Hex = Convert.ToHexString(sha256).ToLowerInvariant();
    }

    public string Path { get; }
    public ArtifactKind Kind { get; }
    public long Length { get; }
    public int ChunkSize { get; }
    public int ChunkCount { get; }
    public byte[] Sha256 { get; }
    public string Sha256Hex { get; }

    public static Artifact Open(string path, ArtifactKind kind, int chunkSize = DefaultChunkSize)
    {
        if (chunkSize is < 1024 or > CommandValidator.MaxChunkBytes)
            throw new FleetException($"--chunk-size {chunkSize} is outside 1024-{CommandValidator.MaxChunkBytes} bytes (a chunk is at most 1 MiB)");
        string what = kind == ArtifactKind.Engine ? "engine" : "model";
        if (!File.Exists(path)) throw new FleetException($"{what} file '{path}' not found");
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FleetException($"cannot read {what} file '{path}': {e.Message}");
        }
        try
        {
            long length = RandomAccess.GetLength(file);
            if (length == 0) throw new FleetException($"{what} file '{path}' is empty");
            if ((length + chunkSize - 1) / chunkSize > uint.MaxValue) throw new FleetException($"{what} file '{path}' needs too many chunks; use a larger --chunk-size");
            CheckKind(file, length, kind, path);
            var sha256 = SHA256.HashData(new RangeStream(file, length));
            return new Artifact(path, kind, file, length, chunkSize, sha256);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Catches the classic mix-up (an ONNX model passed as --engine or the reverse) before anything is sent.</summary>
    private static void CheckKind(SafeFileHandle file, long length, ArtifactKind kind, string path)
    {
        Span<byte> head = stackalloc byte[8];
        int read = RandomAccess.Read(file, head, 0);
        bool isEngine = read == 8 && head.SequenceEqual(EngineMagic);
        if (kind == ArtifactKind.Engine && !isEngine)
            throw new FleetException($"'{path}' is not an EdgeAgent engine file (bad magic); pass an ONNX model with --model instead");
        if (kind == ArtifactKind.Onnx && isEngine)
            throw new FleetException($"'{path}' is an EdgeAgent engine file, not an ONNX model; pass it with --engine");
        if (kind == ArtifactKind.Onnx && length > 0 && head[0] != 0x08)
            // Every ONNX ModelProto written by an exporter starts with ir_version (field 1, varint).
            throw new FleetException($"'{path}' does not look like an ONNX model (it does not start with ir_version)");
    }

    public byte[] ReadChunk(int index)
    {
        if ((uint)index >= (uint)ChunkCount) throw new ArgumentOutOfRangeException(nameof(index));
        long offset = (long)index * ChunkSize;
        var data = new byte[(int)Math.Min(ChunkSize, Length - offset)];
        int done = 0;
        while (done < data.Length)
        {
            int read = RandomAccess.Read(_file, data.AsSpan(done), offset + done);
            if (read == 0) throw new FleetException($"'{Path}' shrank while it was being sent");
            done += read;
        }
        return data;
    }

    public void Dispose() => _file.Dispose();

    /// <summary>Reads a file handle from the start without taking ownership of it (hashing must not close it).</summary>
    private sealed class RangeStream(SafeFileHandle file, long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int read = RandomAccess.Read(file, buffer, _position);
            _position += read;
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
