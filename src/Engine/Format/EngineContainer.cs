using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EdgeAgent.Engine.Format;

/// <summary>
/// The bytes around an engine's payload:
/// <c>"EAENGINE"</c> | u32 format version | u64 payload length | payload | sha256 of everything
/// before it | u32 signature length | ECDSA P-256 signature of that sha256 (may be empty).
/// All integers little-endian. Reading checks each part before trusting the next.
/// </summary>
public static class EngineContainer
{
    public const int FormatVersion = 1;
    private static ReadOnlySpan<byte> Magic => "EAENGINE"u8;
    private const int HeaderBytes = 8 + 4 + 8;
    private const int DigestBytes = 32;

    public static byte[] Write(ReadOnlySpan<byte> payload, ECDsa? signingKey)
    {
        using var stream = new MemoryStream(HeaderBytes + payload.Length + DigestBytes + 4 + 80);
        Span<byte> header = stackalloc byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(header[12..], (ulong)payload.Length);
        stream.Write(header);
        stream.Write(payload);
        var digest = SHA256.HashData(stream.GetBuffer().AsSpan(0, (int)stream.Length));
        stream.Write(digest);
        var signature = signingKey is null ? [] : signingKey.SignHash(digest);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)signature.Length);
        stream.Write(length);
        stream.Write(signature);
        return stream.ToArray();
    }

    /// <summary>The checked payload, and the file's sha256 (its identity).</summary>
    /// <param name="verifyingKey">When given, the file must carry a valid signature by this key.</param>
    public static (ReadOnlyMemory<byte> Payload, byte[] Digest, bool Signed) Read(ReadOnlyMemory<byte> file, ECDsa? verifyingKey, string name)
    {
        var bytes = file.Span;
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
            throw new EngineFormatException(EngineLoadError.NotAnEngine, $"'{name}' is not an EdgeAgent engine file (bad magic)");
        if (bytes.Length < HeaderBytes)
            throw new EngineFormatException(EngineLoadError.Truncated, $"engine '{name}' is truncated ({bytes.Length} bytes)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != FormatVersion)
            throw new EngineFormatException(EngineLoadError.UnsupportedVersion, version > FormatVersion
                ? $"engine '{name}' uses format version {version}, newer than this build supports ({FormatVersion}); upgrade edgeagent or rebuild the engine"
                : $"engine '{name}' uses format version {version}, which this build no longer reads; rebuild the engine");
        ulong payloadLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes[12..]);
        long minimum = HeaderBytes + DigestBytes + 4;
        if (payloadLength > (ulong)(bytes.Length - minimum) || bytes.Length < minimum)
            throw new EngineFormatException(EngineLoadError.Truncated, $"engine '{name}' is truncated: it claims a {payloadLength}-byte payload but the file has {bytes.Length} bytes");
        int end = HeaderBytes + (int)payloadLength;
        var digest = SHA256.HashData(bytes[..end]);
        if (!bytes.Slice(end, DigestBytes).SequenceEqual(digest))
            throw new EngineFormatException(EngineLoadError.ChecksumMismatch, $"engine '{name}' is damaged: its sha256 does not match its content");
        uint signatureLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(end + DigestBytes)..]);
        int signatureStart = end + DigestBytes + 4;
        if (signatureLength != (uint)(bytes.Length - signatureStart))
            throw new EngineFormatException(EngineLoadError.Corrupt, $"engine '{name}' has a malformed signature block");
        var signature = bytes[signatureStart..];
        if (verifyingKey is not null)
        {
            if (signature.Length == 0)
                throw new EngineFormatException(EngineLoadError.SignatureMissing, $"engine '{name}' is not signed, but a signing key is required");
            if (!verifyingKey.VerifyHash(digest, signature))
                throw new EngineFormatException(EngineLoadError.SignatureInvalid, $"engine '{name}' has a signature that does not match the fleet key");
        }
        return (file.Slice(HeaderBytes, (int)payloadLength), digest, signature.Length > 0);
    }
}
