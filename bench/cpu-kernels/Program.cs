using System.Diagnostics;
using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

// Times the main convolution and GEMM shapes of ResNet-50 (224) and PP-OCRv4 det (640x640)
// on 1 and 2 threads and prints GFLOP/s (best and median of the repeats). The machine is
// shared, so the best is the fairer figure of what the kernel can do.
// usage: cpu-kernels-bench [--threads 1,2] [--filter TEXT] [--seconds S] [--isa Avx2|Portable|...] [--tactics]
var opts = Options.Parse(args);
Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, best ISA {KernelIsas.Best}, Vector512 accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
Console.WriteLine($"{"layer",-42} {"thr",3} {"tactic",-36} {"ms best",9} {"GF/s best",9} {"GF/s med",9}");
foreach (var bench in Shapes.All())
{
    if (opts.Filter is not null && !bench.Name.Contains(opts.Filter, StringComparison.OrdinalIgnoreCase)) continue;
    foreach (int threads in opts.Threads)
    {
        using var pool = new WorkerPool(threads);
        foreach (var (tactic, run) in bench.Create(opts.Isa, opts.AllTactics, threads))
        {
            var (best, median) = Time(() => run(pool), opts.Seconds);
            Console.WriteLine($"{bench.Name,-42} {threads,3} {tactic,-36} {best * 1e3,9:F3} {bench.Flops / best / 1e9,9:F1} {bench.Flops / median / 1e9,9:F1}");
        }
    }
}

static (double Best, double Median) Time(Action run, double seconds)
{
    run();
    run();
    var times = new List<double>();
    var total = Stopwatch.StartNew();
    while (total.Elapsed.TotalSeconds < seconds || times.Count < 5)
    {
        long t0 = Stopwatch.GetTimestamp();
        run();
        times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
    }
    times.Sort();
    return (times[0], times[times.Count / 2]);
}

internal sealed record Options(int[] Threads, string? Filter, double Seconds, KernelIsa Isa, bool AllTactics)
{
    public static Options Parse(string[] args)
    {
        var o = new Options([1, 2], null, 0.5, KernelIsas.Best, false);
        for (int i = 0; i < args.Length; i++)
        {
            o = args[i] switch
            {
                "--threads" => o with { Threads = args[++i].Split(',').Select(int.Parse).ToArray() },
                "--filter" => o with { Filter = args[++i] },
                "--seconds" => o with { Seconds = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture) },
                "--isa" => o with { Isa = Enum.Parse<KernelIsa>(args[++i], ignoreCase: true) },
                "--tactics" => o with { AllTactics = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return o;
    }
}
