using System.Numerics;
using System.Runtime.CompilerServices;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// Y[r, :] = X[r, :] * W^T + bias for a few rows r (a classifier head has one): dot products
/// of contiguous weight rows with the input rows. Bandwidth-bound, so the point is to read
/// every weight once, in order: a block of four weight rows is used against all input rows
/// while it sits in L1, and threads take disjoint ranges of outputs. The packed GEMM would pad
/// the single column to its 16-wide tile and spend most of its FMAs on zeros.
/// </summary>
public static unsafe class Gemv
{
    /// <summary>Outputs per thread below which more threads only add synchronisation.</summary>
    private const int MinOutputsPerThread = 64;

    private struct Args
    {
        public float* W, X, Y, Bias;
        public int N, K, Rows, PerSlot;
        public Activation Activation;
        public float PostScale, PostShift;
        public KernelIsa Isa;
    }

    /// <summary>The span form: lengths are checked, an empty bias means none. Allocates nothing.</summary>
    public static void Run(ReadOnlySpan<float> w, int n, int k, ReadOnlySpan<float> x, int rows, Span<float> y, ReadOnlySpan<float> bias,
        Activation activation, float postScale, float postShift, KernelIsa isa, WorkerPool? pool)
    {
        if (w.Length < (long)n * k || x.Length < (long)rows * k || y.Length < (long)rows * n || (!bias.IsEmpty && bias.Length < n))
            throw new ArgumentException($"a {n}x{k} matrix-vector product over {rows} rows got operands too short");
        if (!KernelIsas.CanRun(isa)) throw new PlatformNotSupportedException($"{isa} is not available on this CPU");
        fixed (float* pw = w, px = x, py = y, pb = bias)
            Run(pw, n, k, px, rows, py, pb, activation, postScale, postShift, isa, pool);
    }

    /// <param name="w">[N, K] row-major: output j's weights are contiguous.</param>
    /// <param name="x">[rows, K] row-major.</param>
    /// <param name="y">[rows, N] row-major; must not alias x.</param>
    /// <param name="bias">N values, or null.</param>
    public static void Run(float* w, int n, int k, float* x, int rows, float* y, float* bias,
        Activation activation, float postScale, float postShift, KernelIsa isa, WorkerPool? pool)
    {
        if (n <= 0 || rows <= 0) return;
        int threads = pool?.Threads ?? 1;
        int slots = Math.Clamp(n / MinOutputsPerThread, 1, threads);
        var args = new Args
        {
            W = w, X = x, Y = y, Bias = bias, N = n, K = k, Rows = rows, Activation = activation,
            PostScale = postScale, PostShift = postShift, Isa = isa,
            // Ranges in whole blocks of four, so only the last slot has a remainder.
            PerSlot = ((n + slots - 1) / slots + 3) & ~3,
        };
        if (pool is null || slots == 1) Body((nint)(&args), 0);
        else pool.Run(slots, &Body, (nint)(&args));
    }

    private static void Body(nint state, int slot)
    {
        var a = (Args*)state;
        int j0 = slot * a->PerSlot, j1 = Math.Min(a->N, j0 + a->PerSlot);
        if (j0 >= j1) return;
        int k = a->K;
        int j = j0;
        if (a->Isa != KernelIsa.Portable)
            for (; j + 4 <= j1; j += 4)
            for (int r = 0; r < a->Rows; r++)
                Dot4(a->W + (nint)j * k, k, a->X + (nint)r * k, a->Y + (nint)r * a->N + j, a->Bias == null ? null : a->Bias + j);
        for (; j < j1; j++)
        for (int r = 0; r < a->Rows; r++)
        {
            float* wr = a->W + (nint)j * k, xr = a->X + (nint)r * k;
            float s = 0f;
            for (int i = 0; i < k; i++) s += wr[i] * xr[i];
            a->Y[(nint)r * a->N + j] = s + (a->Bias == null ? 0f : a->Bias[j]);
        }
        bool identity = a->Activation.Kind == ActivationKind.None && a->PostScale == 1f && a->PostShift == 0f;
        if (identity) return;
        for (int r = 0; r < a->Rows; r++)
            EpilogueRows.Apply(a->Y + (nint)r * a->N + j0, j1 - j0, 0f, null, a->Activation, false, a->PostScale, a->PostShift, a->Isa);
    }

    /// <summary>Four dot products of consecutive weight rows with one input row; two accumulators per row hide the FMA latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4(float* w, int k, float* x, float* y, float* bias)
    {
        float* w0 = w, w1 = w + k, w2 = w + 2 * k, w3 = w + 3 * k;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector<float> b0 = default, b1 = default, b2 = default, b3 = default;
        int vw = Vector<float>.Count, i = 0;
        for (; i + 2 * vw <= k; i += 2 * vw)
        {
            var x0 = Vector.Load(x + i);
            var x1 = Vector.Load(x + i + vw);
            a0 = Vector.FusedMultiplyAdd(Vector.Load(w0 + i), x0, a0);
            a1 = Vector.FusedMultiplyAdd(Vector.Load(w1 + i), x0, a1);
            a2 = Vector.FusedMultiplyAdd(Vector.Load(w2 + i), x0, a2);
            a3 = Vector.FusedMultiplyAdd(Vector.Load(w3 + i), x0, a3);
            b0 = Vector.FusedMultiplyAdd(Vector.Load(w0 + i + vw), x1, b0);
            b1 = Vector.FusedMultiplyAdd(Vector.Load(w1 + i + vw), x1, b1);
            b2 = Vector.FusedMultiplyAdd(Vector.Load(w2 + i + vw), x1, b2);
            b3 = Vector.FusedMultiplyAdd(Vector.Load(w3 + i + vw), x1, b3);
        }
        if (i + vw <= k)
        {
            var x0 = Vector.Load(x + i);
            a0 = Vector.FusedMultiplyAdd(Vector.Load(w0 + i), x0, a0);
            a1 = Vector.FusedMultiplyAdd(Vector.Load(w1 + i), x0, a1);
            a2 = Vector.FusedMultiplyAdd(Vector.Load(w2 + i), x0, a2);
            a3 = Vector.FusedMultiplyAdd(Vector.Load(w3 + i), x0, a3);
            i += vw;
        }
        float s0 = Vector.Sum(a0 + b0), s1 = Vector.Sum(a1 + b1), s2 = Vector.Sum(a2 + b2), s3 = Vector.Sum(a3 + b3);
        for (; i < k; i++)
        {
            float xi = x[i];
            s0 += w0[i] * xi;
            s1 += w1[i] * xi;
            s2 += w2[i] * xi;
            s3 += w3[i] * xi;
        }
        if (bias != null)
        {
            s0 += bias[0];
            s1 += bias[1];
            s2 += bias[2];
            s3 += bias[3];
        }
        y[0] = s0;
        y[1] = s1;
        y[2] = s2;
        y[3] = s3;
    }
}
