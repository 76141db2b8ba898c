using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeAgent.Engine.Graph.Ops;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// Transposed convolution with a 2x2 window and stride 2 (no padding, no dilation, one group):
/// every input pixel owns its own 2x2 output block, so there is no overlap to sum and no
/// column buffer is needed. For input row ih and output channel m the kernel accumulates the
/// four taps over the input channels for 16 input columns at once, interleaves the kw = 0 and
/// kw = 1 results into output rows 2ih and 2ih + 1, and runs the epilogue on those two rows
/// (adjacent in memory) while they are in cache. PP-OCR's detection head upsamples this way.
/// </summary>
public sealed unsafe class ConvTranspose2x2Kernel
{
    public const string TacticName = "convt2x2_direct";

    /// <summary>Rows of input per task: enough work per task, and enough tasks for a one-channel head.</summary>
    private const int RowsPerTask = 4;

    private readonly float[] _weights;

    /// <param name="weights">[C, M, 2, 2] in ONNX order.</param>
    public ConvTranspose2x2Kernel(ConvTranspose2dShape shape, ReadOnlySpan<float> weights)
    {
        if (!Supports(shape)) throw new ArgumentException($"transposed convolution {shape} is not a plain 2x2 stride-2 upsampling");
        if (weights.Length != shape.C * shape.M * 4) throw new ArgumentException($"{shape} needs {shape.C * shape.M * 4} weights, got {weights.Length}");
        Shape = shape;
        // Reordered to [M, C, 4] so one output channel's taps are read in order over the input channels.
        _weights = GC.AllocateArray<float>(weights.Length, pinned: true);
        for (int c = 0; c < shape.C; c++)
        for (int m = 0; m < shape.M; m++)
        for (int t = 0; t < 4; t++) _weights[((long)m * shape.C + c) * 4 + t] = weights[(c * shape.M + m) * 4 + t];
    }

    public ConvTranspose2dShape Shape { get; }

    public static bool Supports(ConvTranspose2dShape s) =>
        s.KH == 2 && s.KW == 2 && s.StrideH == 2 && s.StrideW == 2 && s.DilationH == 1 && s.DilationW == 1 &&
        s.PadTop == 0 && s.PadLeft == 0 && s.Group == 1 && s.OutH == 2 * s.H && s.OutW == 2 * s.W;

    private struct Args
    {
        public float* X, Y, W;
        public ConvEpilogue Epilogue;
        public int Image, C, M, H, Width, Tasks, Next;
        public bool Vector;
    }

    /// <summary>The span form: lengths are checked, an empty bias or residual means none. Allocates nothing.</summary>
    public void Run(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual,
        Activation activation, bool activationFirst, WorkerPool? pool, float postScale = 1f, float postShift = 0f)
    {
        var s = Shape;
        long inLength = (long)s.Batch * s.C * s.H * s.W, outLength = (long)s.Batch * s.M * s.OutH * s.OutW;
        if (x.Length < inLength || y.Length < outLength || (!residual.IsEmpty && residual.Length < outLength))
            throw new ArgumentException($"transposed convolution {s} needs {inLength} inputs and {outLength} outputs");
        if (!bias.IsEmpty && bias.Length < s.M) throw new ArgumentException($"bias needs {s.M} values, got {bias.Length}");
        fixed (float* px = x, py = y, pb = bias, pr = residual)
            Run(px, py, new ConvEpilogue(pb, activation, pr, activationFirst, postScale, postShift), pool);
    }

    /// <summary>y = convT(x) with the epilogue; x is [N, C, H, W], y is [N, M, 2H, 2W]; y must not alias x.</summary>
    public void Run(float* x, float* y, in ConvEpilogue epilogue, WorkerPool? pool)
    {
        var s = Shape;
        fixed (float* w = _weights)
        {
            int rowBlocks = (s.H + RowsPerTask - 1) / RowsPerTask;
            var args = new Args
            {
                X = x, Y = y, W = w, Epilogue = epilogue, C = s.C, M = s.M, H = s.H, Width = s.W,
                Tasks = s.M * rowBlocks, Vector = Avx.IsSupported && Fma.IsSupported,
            };
            int slots = Math.Min(pool?.Threads ?? 1, args.Tasks);
            for (int n = 0; n < s.Batch; n++)
            {
                args.Image = n;
                args.Next = 0;
                if (pool is null || slots == 1) Body((nint)(&args), 0);
                else pool.Run(slots, &Body, (nint)(&args));
            }
        }
    }

    private static void Body(nint state, int slot)
    {
        var a = (Args*)state;
        int rowBlocks = (a->H + RowsPerTask - 1) / RowsPerTask;
        int inPlane = a->H * a->Width, outW = 2 * a->Width;
        long outPlane = 4L * inPlane;
        ref readonly var ep = ref a->Epilogue;
        int task;
        while ((task = Interlocked.Increment(ref a->Next) - 1) < a->Tasks)
        {
            int m = task / rowBlocks, ih0 = task % rowBlocks * RowsPerTask;
            float* x = a->X + (long)a->Image * a->C * inPlane;
            float* w = a->W + (long)m * a->C * 4;
            long planeOffset = ((long)a->Image * a->M + m) * outPlane;
            float bias = ep.Bias == null ? 0f : ep.Bias[m];
            for (int ih = ih0; ih < Math.Min(a->H, ih0 + RowsPerTask); ih++)
            {
                float* xr = x + ih * a->Width;
                float* y0 = a->Y + planeOffset + 2L * ih * outW;
                int iw = a->Vector ? Vector16(xr, inPlane, a->C, w, a->Width, y0, outW) : 0;
                Scalar(xr, inPlane, a->C, w, iw, a->Width, y0, outW);
                if (!ep.IsIdentity)
                    EpilogueRows.Apply(y0, 2 * outW, bias, ep.Residual == null ? null : ep.Residual + planeOffset + 2L * ih * outW,
                        ep.Activation, ep.ActivationFirst, ep.PostScale, ep.PostShift, a->Vector ? KernelIsas.Best : KernelIsa.Portable);
            }
        }
    }

    /// <summary>Blocks of 8 input columns (two at a time where they fit); returns the first column left.</summary>
    private static int Vector16(float* xr, int inPlane, int channels, float* w, int width, float* y0, int outW)
    {
        int iw = 0;
        for (; iw + 16 <= width; iw += 16)
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
            Vector256<float> b00 = default, b01 = default, b10 = default, b11 = default;
            float* xc = xr + iw, wc = w;
            for (int c = 0; c < channels; c++, xc += inPlane, wc += 4)
            {
                var x0 = Avx.LoadVector256(xc);
                var x1 = Avx.LoadVector256(xc + 8);
                var t00 = Vector256.Create(wc[0]);
                var t01 = Vector256.Create(wc[1]);
                var t10 = Vector256.Create(wc[2]);
                var t11 = Vector256.Create(wc[3]);
                a00 = Fma.MultiplyAdd(x0, t00, a00);
                a01 = Fma.MultiplyAdd(x0, t01, a01);
                a10 = Fma.MultiplyAdd(x0, t10, a10);
                a11 = Fma.MultiplyAdd(x0, t11, a11);
                b00 = Fma.MultiplyAdd(x1, t00, b00);
                b01 = Fma.MultiplyAdd(x1, t01, b01);
                b10 = Fma.MultiplyAdd(x1, t10, b10);
                b11 = Fma.MultiplyAdd(x1, t11, b11);
            }
            Interleave(a00, a01, y0 + 2 * iw);
            Interleave(b00, b01, y0 + 2 * iw + 16);
            Interleave(a10, a11, y0 + outW + 2 * iw);
            Interleave(b10, b11, y0 + outW + 2 * iw + 16);
        }
        for (; iw + 8 <= width; iw += 8)
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
            float* xc = xr + iw, wc = w;
            for (int c = 0; c < channels; c++, xc += inPlane, wc += 4)
            {
                var x0 = Avx.LoadVector256(xc);
                a00 = Fma.MultiplyAdd(x0, Vector256.Create(wc[0]), a00);
                a01 = Fma.MultiplyAdd(x0, Vector256.Create(wc[1]), a01);
                a10 = Fma.MultiplyAdd(x0, Vector256.Create(wc[2]), a10);
                a11 = Fma.MultiplyAdd(x0, Vector256.Create(wc[3]), a11);
            }
            Interleave(a00, a01, y0 + 2 * iw);
            Interleave(a10, a11, y0 + outW + 2 * iw);
        }
        return iw;
    }

    /// <summary>Writes even[0], odd[0], even[1], odd[1], ... (16 floats): the kw = 0 and kw = 1 outputs side by side.</summary>
    private static void Interleave(Vector256<float> even, Vector256<float> odd, float* dst)
    {
        var lo = Avx.UnpackLow(even, odd);   // e0 o0 e1 o1 | e4 o4 e5 o5
        var hi = Avx.UnpackHigh(even, odd);  // e2 o2 e3 o3 | e6 o6 e7 o7
        Avx.Store(dst, Avx.Permute2x128(lo, hi, 0x20));
        Avx.Store(dst + 8, Avx.Permute2x128(lo, hi, 0x31));
    }

    /// <summary>Input columns [from, width) one at a time, the same sums in the same channel order.</summary>
    private static void Scalar(float* xr, int inPlane, int channels, float* w, int from, int width, float* y0, int outW)
    {
        for (int iw = from; iw < width; iw++)
        {
            float s00 = 0f, s01 = 0f, s10 = 0f, s11 = 0f;
            float* xc = xr + iw, wc = w;
            for (int c = 0; c < channels; c++, xc += inPlane, wc += 4)
            {
                float v = *xc;
                s00 += v * wc[0];
                s01 += v * wc[1];
                s10 += v * wc[2];
                s11 += v * wc[3];
            }
            y0[2 * iw] = s00;
            y0[2 * iw + 1] = s01;
            y0[outW + 2 * iw] = s10;
            y0[outW + 2 * iw + 1] = s11;
        }
    }
}
