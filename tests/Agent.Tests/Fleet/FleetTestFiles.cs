using EdgeAgent.Engine.Format;

namespace EdgeAgent.Agent.Tests.Fleet;

/// <summary>A temp folder with a fleet key pair and artifacts to deploy.</summary>
public sealed class FleetTestFiles : IDisposable
{
    public FleetTestFiles()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("edgeagent-fleet-").FullName;
        (PrivateKey, PublicKey) = SigningKeys.Generate(Path.Combine(Directory, "fleet-test.pem"));
    }

    public string Directory { get; }
    public string PrivateKey { get; }
    public string PublicKey { get; }

    public string Sub(string name) => System.IO.Directory.CreateDirectory(Path.Combine(Directory, name)).FullName;

    /// <summary>An engine container (magic, digest, signature) around random bytes: what the fleet sends is opaque to it.</summary>
    public string Engine(int payloadBytes, int seed = 1)
    {
        var payload = new byte[payloadBytes];
        new Random(seed).NextBytes(payload);
        using var key = SigningKeys.Load(PrivateKey);
        string path = Path.Combine(Directory, $"engine-{seed}.engine");
        File.WriteAllBytes(path, EngineContainer.Write(payload, key));
        return path;
    }

    /// <summary>Bytes shaped like an ONNX file's start (ir_version first), enough for the CLI's kind check.</summary>
    public string Onnx(int bytes, int seed = 2)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        data[0] = 0x08;
        string path = Path.Combine(Directory, $"model-{seed}.onnx");
        File.WriteAllBytes(path, data);
        return path;
    }

    public static string DeviceId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test over.
        }
    }
}
