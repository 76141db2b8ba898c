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
    /// The backend a command asked for. "auto" is the GPU when the CUDA backend can run here and
    /// builds <paramref name="precision"/>, else the CPU; "cuda" without a usable GPU is a one-line
    /// error naming what is missing (no driver, no GPU, no NVRTC).
    /// </summary>
    public static IBackend Backend(string name, int threads, string precision = "fp32") => name switch
    {
        "cpu" => new CpuBackend(threads),
        "auto" => TryCuda(precision) ?? new CpuBackend(threads),
        "cuda" => new Engine.Backends.Cuda.CudaBackend(precision),
        _ => throw new CliUsageException($"backend '{name}' is not available here (choose cpu, cuda or auto)"),
    };

    private static IBackend? TryCuda(string precision)
    {
        if (!Engine.Backends.Cuda.CudaBackend.Precisions.Contains(precision)) return null;
        try { return new Engine.Backends.Cuda.CudaBackend(precision); }
        catch (Engine.Backends.Cuda.Interop.CudaUnavailableException) { return null; }
    }

    /// <summary>The backend an engine file runs on: the one it was built for under "auto", else the one asked for.</summary>
    public static IBackend BackendFor(EnginePlan plan, string name, int threads) =>
        Backend(name == "auto" ? plan.Fingerprint.Backend : name, threads, plan.Precision);

    /// <summary>What the backend was opened for wins (an fp16 request under "auto" that landed on the CPU stays what the CPU builds).</summary>
    private static string Precision(IBackend backend, string requested) =>
        backend is Engine.Backends.Cuda.CudaBackend cuda ? cuda.Precision : requested == "fp16" ? "fp32" : requested;

    public static EnginePlan ReadPlan(string path, string? verifyKey)
    {
        using var key = verifyKey is null ? null : SigningKeys.Load(verifyKey);
        return EngineSerializer.Read(path, key);
    }

    /// <summary>The compiled engine and a label for output.</summary>
    public static InferenceEngine Open(string? model, string? engine, Dictionary<string, TensorShape> shapes, string? verifyKey,
        string backendName, int threads, string? timingCache, bool autotune, string precision = "fp32")
    {
        RequireOne(model, engine);
        if (engine is not null)
        {
            var plan = ReadPlan(engine, verifyKey);
            return plan.Compile(BackendFor(plan, backendName, threads), shapes.Count == 0 ? null : shapes.ToDictionary(s => s.Key, s => s.Value.ToInts()));
        }
        var backend = Backend(backendName, threads, precision);
        foreach (var input in Engine.Onnx.OnnxImporter.Load(model!).Graph.Inputs)
            if (input.Shape is { IsStatic: false } dynamic && !shapes.ContainsKey(input.Name))
                throw new CliUsageException($"input '{input.Name}' has dynamic shape {dynamic}; give it with --shape {input.Name}:" +
                    string.Join("x", dynamic.Dims.Select(d => d.Value ?? 1)));
        var config = new BuilderConfig { Backend = backend, Autotune = autotune, TimingCachePath = timingCache, Threads = threads, Precision = Precision(backend, precision) };
        return EngineBuilder.BuildFile(model!, config, shapes).Engine;
    }
}
