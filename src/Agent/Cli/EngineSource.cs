using System.Security.Cryptography;
using EdgeAgent.Engine.Backends.Cpu;
using EdgeAgent.Engine.Build;
using EdgeAgent.Engine.Format;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Cli;

/// <summary>
/// Opens what a command runs: an ONNX model (built here, for this device) or an engine file
/// (checked, then compiled for the requested shapes). One place, so run, bench, inspect and
/// compare treat --model and --engine the same way.
/// </summary>
public static class EngineSource
{
    public static void RequireOne(string? model, string? engine)
    {
        if ((model is null) == (engine is null))
            throw new CliUsageException("give exactly one of --model M.onnx or --engine E.engine");
    }

    /// <summary>
    /// The backend a command asked for. "auto" is the GPU when its backend can run here, else the
    /// CPU; "cuda" without a usable GPU is a one-line error naming what is missing.
    /// </summary>
    public static IBackend Backend(string name, int threads) => name switch
    {
        "cpu" or "auto" => new CpuBackend(threads),
        "cuda" => throw CudaNotReady(),
        _ => throw new CliUsageException($"backend '{name}' is not available here (choose cpu, cuda or auto)"),
    };

    private static Exception CudaNotReady()
    {
        var gpus = Engine.Backends.Cuda.CudaDeviceInfo.Query(); // throws CudaUnavailableException without driver, GPU or NVRTC
        return new CliUsageException($"found {gpus[0].Name} ({gpus[0].Architecture}), but the cuda backend cannot build engines yet; use --backend cpu or auto");
    }

    public static EnginePlan ReadPlan(string path, string? verifyKey)
    {
        using var key = verifyKey is null ? null : SigningKeys.Load(verifyKey);
        return EngineSerializer.Read(path, key);
    }

    /// <summary>The compiled engine and a label for output.</summary>
    public static InferenceEngine Open(string? model, string? engine, Dictionary<string, TensorShape> shapes, string? verifyKey,
        string backendName, int threads, string? timingCache, bool autotune)
    {
        RequireOne(model, engine);
        var backend = Backend(backendName, threads);
        if (engine is not null)
        {
            var plan = ReadPlan(engine, verifyKey);
            return plan.Compile(backend, shapes.Count == 0 ? null : shapes.ToDictionary(s => s.Key, s => s.Value.ToInts()));
        }
        foreach (var input in Engine.Onnx.OnnxImporter.Load(model!).Graph.Inputs)
            if (input.Shape is { IsStatic: false } dynamic && !shapes.ContainsKey(input.Name))
                throw new CliUsageException($"input '{input.Name}' has dynamic shape {dynamic}; give it with --shape {input.Name}:" +
                    string.Join("x", dynamic.Dims.Select(d => d.Value ?? 1)));
        var config = new BuilderConfig { Backend = backend, Autotune = autotune, TimingCachePath = timingCache, Threads = threads };
        return EngineBuilder.BuildFile(model!, config, shapes).Engine;
    }
}
