using System.Security.Cryptography;

namespace EdgeAgent.Agent.Deployment;

/// <summary>
/// Checks a deploy's signature: ECDSA P-256 over the 32 raw bytes of the artifact's SHA-256,
/// by the fleet key. Both encodings in use are accepted: DER (what OpenSSL writes) and the
/// 64-byte r‖s form (what .NET and WebCrypto write by default).
/// </summary>
public static class ArtifactSignature
{
    public static bool Verify(ECDsa fleetKey, string sha256Hex, ReadOnlySpan<byte> signature)
    {
        byte[] digest;
        try
        {
            digest = Convert.FromHexString(sha256Hex);
        }
        catch (FormatException)
        {
            return false;
        }
        if (digest.Length != 32 || signature.IsEmpty) return false;
        try
        {
            if (signature.Length == 64 && fleetKey.VerifyHash(digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)) return true;
            return fleetKey.VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Signs as the fleet side does (DER), for tools and tests.</summary>
    public static byte[] Sign(ECDsa privateKey, string sha256Hex) =>
        privateKey.SignHash(Convert.FromHexString(sha256Hex), DSASignatureFormat.Rfc3279DerSequence);
}
