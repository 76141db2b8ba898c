using System.Security.Cryptography;

namespace EdgeAgent.Engine.Format;

/// <summary>ECDSA P-256 keys for signing engines, as PEM files (PKCS#8 private, SubjectPublicKeyInfo public).</summary>
public static class SigningKeys
{
    /// <summary>Writes <paramref name="path"/> (private key, mode 600) and <paramref name="path"/>.pub (public key).</summary>
    public static (string PrivatePath, string PublicPath) Generate(string path)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string publicPath = path + ".pub";
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(publicPath, key.ExportSubjectPublicKeyInfoPem());
        return (path, publicPath);
    }

    /// <summary>Loads a private or public P-256 key from a PEM file; clear errors for anything else.</summary>
    public static ECDsa Load(string path)
    {
        if (!File.Exists(path)) throw new EngineUserException($"key file '{path}' not found");
        var key = ECDsa.Create();
        try { key.ImportFromPem(File.ReadAllText(path)); }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new EngineUserException($"'{path}' does not hold a PEM EC key ({e.Message.TrimEnd('.')})");
        }
        if (key.KeySize != 256)
        {
            key.Dispose();
            throw new EngineUserException($"'{path}' holds a {key.KeySize}-bit EC key; engines are signed with P-256");
        }
        return key;
    }
}
