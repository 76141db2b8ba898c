using System.Security.Cryptography;
using EdgeAgent.Engine;
using EdgeAgent.Engine.Format;

namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// Signs an artifact's sha256 with the fleet's P-256 private key (the file
/// <c>edgeagent engine keygen</c> writes). The signature is IEEE P1363 (r‖s, 64 bytes), the
/// same form engine files carry, so a device verifies both with one code path.
/// </summary>
public static class ArtifactSigner
{
    public static (byte[] Signature, string KeyId) Sign(byte[] sha256, string keyPath, string? keyId)
    {
        ECDsa key;
        try
        {
            key = SigningKeys.Load(keyPath);
        }
        catch (EngineUserException e)
        {
            throw new FleetException(e.Message);
        }
        using (key)
        {
            byte[] signature;
            try
            {
                signature = key.SignHash(sha256);
            }
            catch (CryptographicException)
            {
                throw new FleetException($"'{keyPath}' holds only a public key; --sign-key needs the private key (the file without .pub)");
            }
            return (signature, string.IsNullOrWhiteSpace(keyId) ? DefaultKeyId(keyPath) : keyId);
        }
    }

    /// <summary>The key file's name without extensions: <c>keys/fleet-2026.pem</c> → <c>fleet-2026</c>.</summary>
    public static string DefaultKeyId(string keyPath)
    {
        string name = Path.GetFileName(keyPath);
        int dot = name.IndexOf('.');
        return dot > 0 ? name[..dot] : name;
    }
}
