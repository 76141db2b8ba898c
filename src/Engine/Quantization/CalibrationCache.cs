using System.Globalization;
using System.Text;

namespace EdgeAgent.Engine.Quantization;

/// <summary>
/// The per-tensor INT8 scales calibration produced, as text: a header naming the format, the
/// model's sha256 and the method, then one <c>tensor-name TAB scale</c> line per tensor.
/// A build reuses the cache only when model and method match, so a stale cache is never applied.
/// </summary>
public sealed record CalibrationCache(string ModelSha256, CalibrationMethod Method, IReadOnlyDictionary<string, float> Scales)
{
    private const string Magic = "# edgeagent calibration cache v1";

    public string ToText()
    {
        var sb = new StringBuilder();
        sb.AppendLine(Magic);
        sb.Append("# model-sha256 ").AppendLine(ModelSha256);
        sb.Append("# method ").AppendLine(Method.ToString().ToLowerInvariant());
        foreach (var (name, scale) in Scales.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (name.Contains('\t') || name.Contains('\n')) throw new ArgumentException($"tensor name '{name}' cannot be stored");
            sb.Append(name).Append('\t').AppendLine(scale.ToString("R", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Parses a cache file's text; a clear <see cref="EngineUserException"/> naming the line for anything malformed.</summary>
    public static CalibrationCache Parse(string text, string where)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (lines.Length < 3 || lines[0] != Magic)
            throw new EngineUserException($"calibration cache {where} does not start with '{Magic}'");
        string sha = HeaderValue(lines[1], "model-sha256", where);
        string methodText = HeaderValue(lines[2], "method", where);
        if (!Enum.TryParse<CalibrationMethod>(methodText, ignoreCase: true, out var method))
            throw new EngineUserException($"calibration cache {where}: unknown method '{methodText}'");
        var scales = new Dictionary<string, float>(StringComparer.Ordinal);
        for (int i = 3; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var parts = lines[i].Split('\t');
            if (parts.Length != 2 || parts[0].Length == 0 ||
                !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out float scale) || !(scale > 0) || !float.IsFinite(scale))
                throw new EngineUserException($"calibration cache {where}, line {i + 1}: expected 'tensor<TAB>positive scale', got '{lines[i]}'");
            if (!scales.TryAdd(parts[0], scale))
                throw new EngineUserException($"calibration cache {where}, line {i + 1}: tensor '{parts[0]}' appears twice");
        }
        return new CalibrationCache(sha, method, scales);
    }

    private static string HeaderValue(string line, string key, string where)
    {
        string prefix = $"# {key} ";
        return line.StartsWith(prefix, StringComparison.Ordinal) && line.Length > prefix.Length
            ? line[prefix.Length..].Trim()
            : throw new EngineUserException($"calibration cache {where}: expected '{prefix}...', got '{line}'");
    }

    /// <summary>Why this cache cannot be used for <paramref name="modelSha256"/> with <paramref name="method"/>, or null when it can.</summary>
    public string? Mismatch(string modelSha256, CalibrationMethod method) =>
        !string.Equals(ModelSha256, modelSha256, StringComparison.OrdinalIgnoreCase) ? $"it was made for model {ModelSha256}, not {modelSha256}"
        : Method != method ? $"it was made with {Method} calibration, not {method}"
        : null;
}
