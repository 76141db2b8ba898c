using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

/// <summary>One benchmarked layer: its work and a factory for (tactic name, run) pairs.</summary>
internal sealed record Bench(string Name, long Flops, Func<KernelIsa, bool, int, IEnumerable<(string, Action<WorkerPool>)>> Create);

internal static class Shapes
{
    private static readonly Activation Relu = new(ActivationKind.Relu);

    public static IEnumerable<Bench> All()
    {
        // ResNet-50 at 224x224.
        yield return Conv("r50 conv1 7x7 s2 3->64 224", new(1, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3, 3, 3));
        yield return Conv("r50 3x3 64->64 56x56", new(1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1));
        yield return Conv("r50 1x1 256->64 56x56", new(1, 256, 56, 56, 64, 1, 1));
        yield return Conv("r50 1x1 64->256 56x56", new(1, 64, 56, 56, 256, 1, 1));
        yield return Conv("r50 3x3 256->256 14x14", new(1, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, 1));
        yield return Conv("r50 3x3 512->512 7x7", new(1, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1));
        yield return Gemm("r50 fc 2048->1000 (N=1)", 1000, 2048, 1);
        yield return Gemm("gemm 512x512x512", 512, 512, 512);
        // PP-OCRv4 det at 640x640: backbone at 1/4 and 1/16, DB neck and head at 1/4.
        yield return Conv("ocr 1x1 32->64 160x160", new(1, 32, 160, 160, 64, 1, 1));
        yield return Conv("ocr dw3x3 s1 C64 160x160", new(1, 64, 160, 160, 64, 3, 3, 1, 1, 1, 1, 1, 1, Group: 64));
        yield return Conv("ocr dw3x3 s2 C64 160->80", new(1, 64, 160, 160, 64, 3, 3, 2, 2, 1, 1, 1, 1, Group: 64));
        yield return Conv("ocr dw5x5 s1 C256 40x40", new(1, 256, 40, 40, 256, 5, 5, 1, 1, 2, 2, 2, 2, Group: 256));
        yield return Conv("ocr 3x3 96->24 160x160 (neck)", new(1, 96, 160, 160, 24, 3, 3, 1, 1, 1, 1, 1, 1));
        // MobileNetV2 at 224x224: depthwise 3x3 on small planes, where per-channel overhead dominates.
        yield return Conv("mv2 dw3x3 s1 C576 14x14", new(1, 576, 14, 14, 576, 3, 3, 1, 1, 1, 1, 1, 1, Group: 576));
        yield return Conv("mv2 dw3x3 s1 C960 7x7", new(1, 960, 7, 7, 960, 3, 3, 1, 1, 1, 1, 1, 1, Group: 960));
        yield return Conv("mv2 dw3x3 s2 C144 56->28", new(1, 144, 56, 56, 144, 3, 3, 2, 2, 1, 1, 1, 1, Group: 144));
        yield return Conv("mv2 dw3x3 s2 C576 14->7", new(1, 576, 14, 14, 576, 3, 3, 2, 2, 1, 1, 1, 1, Group: 576));
        yield return Gemm("mv2 fc 1280->1000 (N=1)", 1000, 1280, 1);
        // ViT-Tiny-class token projections (197 tokens, width 192, MLP 768): rows GEMMs, X packed per run.
        yield return Tokens("vit qkv 197x192->576", 197, 192, 576);
        yield return Tokens("vit fc1 197x192->768 (gelu)", 197, 192, 768, gelu: true);
        yield return Tokens("vit fc2 197x768->192", 197, 768, 192);
        yield return Transposed("ocr convT 2x2 s2 24->24 160->320", new(1, 24, 160, 160, 24, 2, 2, 320, 320, 2, 2));
        yield return Transposed("ocr convT 2x2 s2 24->1 320->640 (head)", new(1, 24, 320, 320, 1, 2, 2, 640, 640, 2, 2));
    }

    private static float[] Random(long n, int seed)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (long i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 2 - 1);
        return a;
    }

    private static Bench Conv(string name, Conv2dShape s) => new(name, s.Flops, (isa, all, threads) =>
    {
        var x = Random((long)s.C * s.H * s.W, 1);
        var w = Random((long)s.M * s.KPerGroup, 2);
        var b = Random(s.M, 3);
        var y = new float[(long)s.M * s.OutH * s.OutW];
        var tactics = all ? CpuConvTactic.Enumerate(s) : [CpuConvTactic.Default(s, isa)];
        return tactics.Select(t =>
        {
            var kernel = new Conv2dKernel(s, w, t);
            var ws = new float[kernel.WorkspaceElements(threads)];
            return (t.Name, (Action<WorkerPool>)(pool => kernel.Run(x, y, b, default, Relu, false, ws, pool)));
        });
    });

    private static Bench Tokens(string name, int rows, int k, int n, bool gelu = false) => new(name, 2L * rows * n * k, (isa, all, threads) =>
    {
        var x = Random((long)rows * k, 1);
        var w = Random((long)k * n, 2);
        var bias = Random(n, 3);
        var y = new float[(long)rows * n];
        var act = gelu ? new Activation(ActivationKind.Gelu) : Activation.None;
        var tactics = all ? GemmTactic.Enumerate(rows, n, k) : [GemmTactic.Default(isa, rows, n, k)];
        return tactics.Select(t =>
        {
            var panels = PackedGemmPanels.FromRowMajor(w, k, n, t);
            var ws = new float[EdgeAgent.Engine.Backends.Cpu.Kernels.Gemm.RowsWorkspaceElements(rows, k, t)];
            return (t.Name, (Action<WorkerPool>)(pool => EdgeAgent.Engine.Backends.Cpu.Kernels.Gemm.RunRows(x, rows, panels, y, bias, act, ws, pool)));
        }).ToList();
    });

    private static Bench Gemm(string name, int m, int k, int n) => new(name, 2L * m * n * k, (isa, all, threads) =>
    {
        var a = Random((long)m * k, 1);
        var bm = Random((long)k * n, 2);
        var bias = Random(m, 3);
        var c = new float[(long)m * n];
        var tactics = all ? GemmTactic.Enumerate(m, n, k, plainB: true) : [GemmTactic.Default(isa, m, n, k)];
        var runs = tactics.Select(t =>
        {
            var packed = PackedGemmWeights.FromRowMajor(a, m, k, t);
            var ws = new float[EdgeAgent.Engine.Backends.Cpu.Kernels.Gemm.WorkspaceElements(t, k, n, threads)];
            return (t.Name, (Action<WorkerPool>)(pool =>
                EdgeAgent.Engine.Backends.Cpu.Kernels.Gemm.Run(packed, bm, n, 1, n, c, n, bias, default, Relu, false, ws, pool)));
        });
        // A fully connected head (N = 1) also through the matrix-vector kernel: A as [M, K] is its weight layout.
        return n == 1 ? runs.Append(("gemv_" + isa.ToString().ToLowerInvariant(), Gemv(a, m, k, bm, c, bias, isa))) : runs;
    });

    private static Action<WorkerPool> Gemv(float[] w, int m, int k, float[] x, float[] y, float[] bias, KernelIsa isa) => pool =>
        EdgeAgent.Engine.Backends.Cpu.Kernels.Gemv.Run(w, m, k, x, 1, y, bias, Relu, 1f, 0f, isa, pool);

    private static Bench Transposed(string name, ConvTranspose2dShape s) => new(name, s.Flops, (isa, all, threads) =>
    {
        var x = Random((long)s.C * s.H * s.W, 1);
        var w = Random((long)s.C * s.ColumnRows, 2);
        var b = Random(s.M, 3);
        var y = new float[(long)s.M * s.OutH * s.OutW];
        var tactics = all ? ConvTranspose2dKernel.Enumerate(s) : [GemmTactic.Default(isa, s.ColumnRows, s.H * s.W, s.CPerGroup)];
        var runs = tactics.Select(t =>
        {
            var kernel = new ConvTranspose2dKernel(s, w, t);
            var ws = new float[kernel.WorkspaceElements(threads)];
            return (t.Name, (Action<WorkerPool>)(pool => kernel.Run(x, y, b, default, Relu, false, ws, pool)));
        });
        if (!ConvTranspose2x2Kernel.Supports(s)) return runs;
        var direct = new ConvTranspose2x2Kernel(s, w);
        return runs.Append((ConvTranspose2x2Kernel.TacticName, pool => direct.Run(x, y, b, default, Relu, false, pool)));
    });
}
