using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Agent.Cli;

/// <summary>Parses the tensor-related command-line values: --input [NAME=]X.npy and --shape NAME:1x3x640x640.</summary>
public static class TensorArguments
{
    /// <summary>Parses <c>NAME:AxBxC</c> entries into shapes per input name.</summary>
    public static Dictionary<string, TensorShape> ParseShapes(IEnumerable<string> specs)
    {
        var shapes = new Dictionary<string, TensorShape>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            int colon = spec.LastIndexOf(':');
            if (colon <= 0 || colon == spec.Length - 1)
                throw new CliUsageException($"--shape '{spec}' must look like NAME:1x3x640x640");
            string name = spec[..colon];
            var dims = spec[(colon + 1)..].Split('x', 'X', ',');
            var parsed = new long[dims.Length];
            for (int i = 0; i < dims.Length; i++)
                if (!long.TryParse(dims[i], out parsed[i]) || parsed[i] < 0 || parsed[i] > int.MaxValue)
                    throw new CliUsageException($"--shape '{spec}': '{dims[i]}' is not a dimension size");
            shapes[name] = TensorShape.Of(parsed);
        }
        return shapes;
    }

    /// <summary>Reads <c>[NAME=]FILE.npy</c> entries; an entry without a name binds the only remaining input.</summary>
    public static Dictionary<string, Tensor> ReadInputs(IEnumerable<string> specs, ModelGraph graph)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            int eq = spec.IndexOf('=');
            string? name = eq > 0 ? spec[..eq] : null;
            string path = eq > 0 ? spec[(eq + 1)..] : spec;
            if (name is null)
            {
                var unbound = graph.Inputs.Where(i => !result.ContainsKey(i.Name)).ToList();
                if (unbound.Count != 1 || graph.Inputs.Count != 1)
                    throw new CliUsageException($"--input '{spec}': the model has {graph.Inputs.Count} inputs, so name it as NAME=FILE.npy");
                name = unbound[0].Name;
            }
            if (!File.Exists(path)) throw new CliUsageException($"--input '{spec}': file '{path}' not found");
            result[name] = NpyFile.Read(path);
        }
        return result;
    }

    /// <summary>Random tensors for the inputs not given, using each input's shape (static or from --shape).</summary>
    public static void FillRandom(Dictionary<string, Tensor> inputs, ModelGraph graph, int seed)
    {
        var random = new Random(seed);
        foreach (var input in graph.Inputs)
        {
            if (inputs.ContainsKey(input.Name)) continue;
            if (input.Shape is not { IsStatic: true } shape)
                throw new CliUsageException(
                    $"input '{input.Name}' has dynamic shape {input.Shape?.ToString() ?? "?"}; give one with --shape {input.Name}:{Example(input.Shape)} or pass --input");
            var dims = shape.ToInts();
            var tensor = Tensor.Zeros(input.Type == DataType.Undefined ? DataType.Float32 : input.Type, dims);
            switch (tensor.Data)
            {
                case float[] f: for (int i = 0; i < f.Length; i++) f[i] = (float)random.NextDouble(); break;
                case long[] l: for (int i = 0; i < l.Length; i++) l[i] = random.Next(0, 10); break;
                case int[] n: for (int i = 0; i < n.Length; i++) n[i] = random.Next(0, 10); break;
                case bool[] b: for (int i = 0; i < b.Length; i++) b[i] = random.Next(2) == 1; break;
                default: throw new CliUsageException($"cannot make random data for input '{input.Name}' of type {input.Type.Name()}; pass --input");
            }
            inputs[input.Name] = tensor;
        }
    }

    private static string Example(TensorShape? shape) =>
        shape is null ? "1x3x224x224" : string.Join("x", shape.Dims.Select(d => d.IsKnown ? d.Value!.Value : 1));

    /// <summary>A file name for an output: its name with path-unfriendly characters replaced.</summary>
    public static string FileNameFor(string outputName)
    {
        var chars = outputName.Select(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray();
        var name = new string(chars).Trim('.');
        return (name.Length == 0 ? "output" : name) + ".npy";
    }
}
