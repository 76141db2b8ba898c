using EdgeAgent.Engine.Backends.Cpu.Kernels;
using EdgeAgent.Engine.Backends.Reference.Kernels;
using EdgeAgent.Engine.Graph;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Tensors;

namespace EdgeAgent.Engine.Tests.Cpu;

/// <summary>
/// Shared pieces of the CPU kernel tests: seeded random data (the seed is printed, and
/// EDGEAGENT_TEST_SEED replays one), relative L2 error, and the reference executor's
/// FusedConv/FusedGemm kernels as the expected result.
/// </summary>
internal static class CpuKernelHarness
{
    public static Random NewRandom(ITestOutputHelper output, string label)
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("EDGEAGENT_TEST_SEED"), out var s) ? s : Random.Shared.Next();
        output.WriteLine($"{label}: seed {seed}");
        return new Random(seed);
    }

    public static float[] Floats(Random r, long n, float scale = 1f)
    {
        var a = new float[n];
        for (long i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 2 - 1) * scale;
        return a;
    }

    public static double RelativeL2(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)expected[i] - actual[i];
            num += d * d;
            den += (double)expected[i] * expected[i];
        }
        if (double.IsNaN(num)) return double.PositiveInfinity;
        return den == 0 ? Math.Sqrt(num) : Math.Sqrt(num / den);
    }

    /// <param name="floor">
    /// Smallest RMS the error is measured against: a few outputs that a post affine shift cancels to
    /// nearly zero would otherwise turn an absolute error of 1e-7 into a relative one of 1e-5.
    /// </param>
    public static void AssertClose(ITestOutputHelper output, string label, float[] expected, float[] actual, double tolerance = 1e-5, double floor = 0)
    {
        double err = RelativeL2(expected, actual);
        if (floor > 0 && expected.Length > 0)
        {
            double rms = Math.Sqrt(expected.Sum(v => (double)v * v) / expected.Length);
            if (rms < floor) err *= rms / floor;
        }
        output.WriteLine($"{label}: rel L2 {err:E2}");
        Assert.True(err < tolerance, $"{label}: relative L2 error {err:E3} exceeds {tolerance:E1}");
    }

    /// <summary>The reference executor's FusedConv on the same data.</summary>
    public static float[] ReferenceConv(Conv2dShape s, float[] x, float[] w, float[]? bias, float[]? residual,
        Activation act, bool activationFirst, bool transposed = false, int[]? outputShape = null, float postScale = 1f, float postShift = 0f)
    {
        var node = new Node("conv", FusedOps.FusedConv, FusedOps.Domain);
        node.SetAttribute(NodeAttribute.Of("strides", new long[] { s.StrideH, s.StrideW }));
        node.SetAttribute(NodeAttribute.Of("pads", new long[] { s.PadTop, s.PadLeft, s.PadBottom, s.PadRight }));
        node.SetAttribute(NodeAttribute.Of("dilations", new long[] { s.DilationH, s.DilationW }));
        node.SetAttribute(NodeAttribute.Of("group", (long)s.Group));
        node.SetAttribute(NodeAttribute.Of("activation_first", activationFirst ? 1L : 0L));
        if (transposed) node.SetAttribute(NodeAttribute.Of("transposed", 1L));
        node.SetAttribute(NodeAttribute.Of("post_scale", postScale));
        node.SetAttribute(NodeAttribute.Of("post_shift", postShift));
        act.WriteTo(node);
        var wShape = transposed ? new[] { s.C, s.M / s.Group, s.KH, s.KW } : new[] { s.M, s.C / s.Group, s.KH, s.KW };
        var inputs = new Tensor?[]
        {
            Tensor.FromFloats(x, s.Batch, s.C, s.H, s.W),
            Tensor.FromFloats(w, wShape),
            bias is null ? null : Tensor.FromFloats(bias, s.M),
            residual is null ? null : Tensor.FromFloats(residual, outputShape ?? [s.Batch, s.M, s.OutH, s.OutW]),
        };
        return FusedKernels.FusedConv(node, inputs)[0].Floats;
    }

    /// <summary>The reference Gemm: C[m x n] = A[m x k] * B[k x n] + bias[m] (per row), before any activation.</summary>
    public static float[] ReferenceGemm(float[] a, float[] b, float[]? bias, int m, int k, int n)
    {
        var node = new Node("gemm", "Gemm");
        var inputs = new Tensor?[] { Tensor.FromFloats(a, m, k), Tensor.FromFloats(b, k, n), bias is null ? null : Tensor.FromFloats(bias, m, 1) };
        return MatMulKernels.Gemm(node, inputs)[0].Floats;
    }

    /// <summary>The fused epilogue exactly as the reference FusedKernels apply it, for GEMMs with a residual.</summary>
    public static void ReferenceEpilogue(float[] y, float[]? residual, Activation act, bool activationFirst, float postScale = 1f, float postShift = 0f)
    {
        for (int i = 0; i < y.Length; i++)
        {
            float v = y[i];
            v = residual is null ? act.Apply(v) : activationFirst ? act.Apply(v) + residual[i] : act.Apply(v + residual[i]);
            y[i] = v * postScale + postShift;
        }
    }

    /// <summary>A post-epilogue affine: the identity one time in three, otherwise a random scale and shift.</summary>
    public static (float Scale, float Shift) RandomPost(Random r) =>
        r.Next(3) == 0 ? (1f, 0f) : ((float)(r.NextDouble() * 4 - 2), (float)(r.NextDouble() * 2 - 1));

    /// <summary>Every activation with parameters that exercise both sides of its kinks.</summary>
    public static readonly Activation[] Activations =
    [
        Activation.None,
        new(ActivationKind.Relu),
        new(ActivationKind.Clip, -0.5f, 0.75f),
        new(ActivationKind.LeakyRelu, 0.1f),
        new(ActivationKind.Sigmoid),
        new(ActivationKind.HardSigmoid, 0.2f, 0.5f),
        new(ActivationKind.HardSwish),
        new(ActivationKind.Tanh),
        new(ActivationKind.Silu),
        new(ActivationKind.Gelu),
    ];

    /// <summary>Kernel families runnable here: the portable path always, plus the emulated Vector512 and AdvSimd tiles.</summary>
    public static IEnumerable<KernelIsa> RunnableIsas => Enum.GetValues<KernelIsa>().Where(KernelIsas.CanRun);
}
