using System.Security.Cryptography;
using EdgeAgent.Telemetry.Wire;

namespace EdgeAgent.Agent.Deployment;

public enum ChunkResult { Accepted, Duplicate, BadIndex, BadLength, BadChecksum }

/// <summary>
/// Reassembles an artifact sent over MQTT in chunks: each chunk is checked (index, length,
/// CRC-32C) and written at its offset in a preallocated part file; a one-byte-per-chunk map
/// records what arrived. Both live on disk, so after a disconnect or an agent restart a new
/// assembler over the same folder resumes where the old one stopped and can say which chunks
/// are still missing. The whole artifact's sha256 is checked before it is handed over.
/// </summary>
public sealed class ChunkAssembler : IDisposable
{
    private const int SyncEvery = 64;
    private readonly FileStream _part;
    private readonly FileStream _map;
    private readonly byte[] _received;
    private int _sinceSync;
    private bool _disposed;

    public ChunkAssembler(string directory, string transferId, long totalBytes, int chunkCount, int chunkSize, string sha256)
    {
        if (totalBytes <= 0 || chunkCount <= 0 || chunkSize <= 0 || (long)(chunkCount - 1) * chunkSize >= totalBytes || (long)chunkCount * chunkSize < totalBytes)
            throw new DeploymentException($"transfer '{transferId}': {chunkCount} chunks of {chunkSize} bytes cannot hold {totalBytes} bytes");
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
            throw new DeploymentException($"transfer '{transferId}': sha256 '{sha256}' is not 64 hex digits");
        Directory.CreateDirectory(directory);
        TotalBytes = totalBytes;
        ChunkCount = chunkCount;
        ChunkSize = chunkSize;
        Sha256 = sha256.ToLowerInvariant();
        PartPath = Path.Combine(directory, transferId + ".part");
        _part = new FileStream(PartPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (_part.Length != totalBytes) _part.SetLength(totalBytes);
        _map = new FileStream(Path.Combine(directory, transferId + ".chunks"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        _received = new byte[chunkCount];
        if (_map.Length == chunkCount) _map.ReadExactly(_received);
        else { _map.SetLength(chunkCount); _map.Flush(flushToDisk: true); }
        ReceivedCount = _received.Count(b => b != 0);
    }

    public long TotalBytes { get; }
    public int ChunkCount { get; }
    public int ChunkSize { get; }
    public string Sha256 { get; }
    public string PartPath { get; }
    public int ReceivedCount { get; private set; }
    public bool Complete => ReceivedCount == ChunkCount;
    public double Progress => (double)ReceivedCount / ChunkCount;

    public ChunkResult Accept(long index, ReadOnlySpan<byte> data, uint crc32c)
    {
        if (index < 0 || index >= ChunkCount) return ChunkResult.BadIndex;
        long offset = index * ChunkSize;
        long expected = Math.Min(ChunkSize, TotalBytes - offset);
        if (data.Length != expected) return ChunkResult.BadLength;
        if (Crc32C.Compute(data) != crc32c) return ChunkResult.BadChecksum;
        if (_received[index] != 0) return ChunkResult.Duplicate;
        _part.Position = offset;
        _part.Write(data);
        _received[index] = 1;
        ReceivedCount++;
        // The data must be on disk before the map says it is.
        if (++_sinceSync >= SyncEvery || Complete) Sync();
        return ChunkResult.Accepted;
    }

    /// <summary>Indices not yet received, in order (at most <paramref name="limit"/>), for the fleet side to resend.</summary>
    public IReadOnlyList<int> Missing(int limit = int.MaxValue)
    {
        var missing = new List<int>();
        for (int i = 0; i < ChunkCount && missing.Count < limit; i++)
            if (_received[i] == 0) missing.Add(i);
        return missing;
    }

    public void Sync()
    {
        _part.Flush(flushToDisk: true);
        _map.Position = 0;
        _map.Write(_received);
        _map.Flush(flushToDisk: true);
        _sinceSync = 0;
    }

    /// <summary>Checks the whole artifact's sha256; the part file is the artifact when it matches.</summary>
    public string Finish()
    {
        if (!Complete) throw new DeploymentException($"artifact is incomplete: {ChunkCount - ReceivedCount} of {ChunkCount} chunks missing");
        Sync();
        _part.Position = 0;
        string actual = Convert.ToHexString(SHA256.HashData(_part)).ToLowerInvariant();
        if (actual != Sha256) throw new DeploymentException($"artifact sha256 is {actual}, expected {Sha256}");
        return PartPath;
    }

    /// <summary>Removes the transfer's files (after the artifact was stored, or to start over).</summary>
    public void Delete()
    {
        Dispose();
        string map = Path.ChangeExtension(PartPath, ".chunks");
        File.Delete(PartPath);
        File.Delete(map);
    }

    /// <summary>Records what arrived (a crash instead only loses chunks since the last sync: they are asked for again).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Sync();
        _part.Dispose();
        _map.Dispose();
    }
}

/// <summary>A deployment cannot go on: bad artifact, bad transfer, bad signature.</summary>
public sealed class DeploymentException(string message) : Exception(message);
