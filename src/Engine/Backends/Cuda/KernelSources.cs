using System.Reflection;
using System.Text;

namespace EdgeAgent.Engine.Backends.Cuda;

/// <summary>
/// The CUDA C kernel templates shipped inside the assembly (Kernels/*.cu, *.cuh) and how one
/// module's source is rendered: tile parameters as #defines, then the shared header(s), then
/// the kernel file. Specialized by tile shape and storage type, never by layer shape.
/// </summary>
public static class KernelSources
{
    private const string Prefix = "EdgeAgent.Cuda.";

    /// <summary>The kernel files a module is made of, in order, for each module kind.</summary>
    public static IReadOnlyList<string> FilesOf(string module) => module switch
    {
        "conv_mma" => ["common.cuh", "conv_store.cuh", "mma.cuh", "conv_mma.cu"],
        "conv_simt" => ["common.cuh", "conv_store.cuh", "conv_simt.cu"],
        "qconv_mma" => ["common.cuh", "mma.cuh", "qconv.cuh", "qconv_mma.cu"],
        "qconv_nhwc" => ["common.cuh", "mma.cuh", "qconv.cuh", "qconv_nhwc.cu"],
        "qconv" => ["common.cuh", "qconv.cuh", "qconv.cu"],
        _ => ["common.cuh", module + ".cu"],
    };

    public static string Read(string file)
    {
        using var stream = typeof(KernelSources).Assembly.GetManifestResourceStream(Prefix + file)
            ?? throw new InvalidOperationException($"kernel source {file} is not embedded in {typeof(KernelSources).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Every embedded kernel file, for listing and tests.</summary>
    public static IReadOnlyList<string> Files() =>
        typeof(KernelSources).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..]).Order(StringComparer.Ordinal).ToList();

    /// <summary>The full source of one module specialization.</summary>
    public static string Render(KernelModule module)
    {
        var sb = new StringBuilder();
        sb.Append("// EdgeAgent kernel module ").Append(module).Append('\n');
        foreach (var (name, value) in module.Defines) sb.Append("#define ").Append(name).Append(' ').Append(value).Append('\n');
        foreach (var file in FilesOf(module.Name)) sb.Append(Read(file)).Append('\n');
        return sb.ToString();
    }
}

/// <summary>One specialization of a kernel file: its name and the #defines that shape it (sorted, so equal modules render equally).</summary>
public sealed record KernelModule(string Name, IReadOnlyList<KeyValuePair<string, int>> Defines)
{
    public static KernelModule Of(string name, params (string Name, int Value)[] defines) =>
        new(name, defines.OrderBy(d => d.Name, StringComparer.Ordinal).Select(d => KeyValuePair.Create(d.Name, d.Value)).ToList());

    public bool Equals(KernelModule? other) => other is not null && Name == other.Name && Defines.SequenceEqual(other.Defines);
    public override int GetHashCode() => HashCode.Combine(Name, string.Join(",", Defines));
    public override string ToString() => Defines.Count == 0 ? Name : $"{Name}({string.Join(",", Defines.Select(d => $"{d.Key}={d.Value}"))})";
}
