using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Build;

/// <summary>
/// Measured tactic choices, keyed by device fingerprint (with the engine library's build) and
/// layer signature, so a rebuild on the same device with the same agent re-times nothing. Stored as text, one entry per line:
/// <c>fingerprint-hash TAB layer-signature TAB tactic TAB median-microseconds</c>.
/// Lines that do not parse are skipped and counted, never fatal.
/// </summary>
public sealed class TimingCache
{
    private const string Header = "# edgeagent timing cache v1";
    private readonly Dictionary<string, (string Tactic, double Microseconds)> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;
    public int SkippedLines { get; private set; }
    public bool Changed { get; private set; }

    public static TimingCache Load(string? path)
    {
        var cache = new TimingCache();
        if (path is null || !File.Exists(path)) return cache;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split('\t');
            if (parts.Length != 4 || parts[2].Length == 0 ||
                !double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out double us))
            {
                cache.SkippedLines++;
                continue;
            }
            cache._entries[$"{parts[0]}\t{parts[1]}"] = (parts[2], us);
        }
        return cache;
    }

    public void Save(string path)
    {
        var sb = new StringBuilder().AppendLine(Header);
        foreach (var (key, (tactic, us)) in _entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            sb.Append(key).Append('\t').Append(tactic).Append('\t').AppendLine(us.ToString("F1", CultureInfo.InvariantCulture));
        string temp = path + ".tmp";
        File.WriteAllText(temp, sb.ToString());
        File.Move(temp, path, overwrite: true);
        Changed = false;
    }

    public bool TryGet(DeviceFingerprint device, string signature, out string tactic)
    {
        bool found = _entries.TryGetValue(Key(device, signature), out var entry);
        tactic = entry.Tactic;
        return found;
    }

    public void Set(DeviceFingerprint device, string signature, string tactic, double microseconds)
    {
        _entries[Key(device, signature)] = (tactic, microseconds);
        Changed = true;
    }

    private static string Key(DeviceFingerprint device, string signature) => $"{FingerprintHash(device)}\t{signature}";

    /// <summary>
    /// The device and this build of the engine library: a timing names a tactic of the kernels
    /// that were measured, so a new build (kernels changed, a layer's GEMM orientation turned)
    /// re-times instead of trusting choices made for other code.
    /// </summary>
    public static string FingerprintHash(DeviceFingerprint device) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{device}|{EngineBuild}")))[..16].ToLowerInvariant();

    private static readonly string EngineBuild = typeof(TimingCache).Assembly.ManifestModule.ModuleVersionId.ToString();
}
