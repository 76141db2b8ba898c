using System.Numerics;
using System.Runtime.CompilerServices;

namespace EdgeAgent.Engine.Backends.Cpu.Kernels;

/// <summary>
/// Copies rows [k0, k0+kc) and columns [n0, n0+nc) of B into NR-wide panels: panel j holds
/// kc rows of NR consecutive floats, columns past nc are zero. This is the only place that
/// knows the im2col index arithmetic, and it moves whole runs of a row at a time so the
/// copy stays a small fraction of the multiply.
/// </summary>
internal static unsafe class BPacker
{
    public static void Pack(in BSource b, int k0, int kc, int n0, int nc, int nr, float* dst)
    {
        int padded = (nc + nr - 1) / nr * nr;
        for (int kk = 0; kk < kc; kk++)
        {
            var w = new PanelWriter(dst + kk * nr, kc * nr, nr);
            if (b.Im2Col) PackImageRow(b, k0 + kk, n0, nc, ref w);
            else if (b.ColStride == 1) w.Copy(b.Data + (k0 + kk) * b.RowStride + n0, nc);
            else w.Gather(b.Data + (k0 + kk) * b.RowStride + n0 * b.ColStride, b.ColStride, nc);
            w.Zero(padded - nc);
        }
    }

    private static void PackImageRow(in BSource b, int k, int n0, int nc, ref PanelWriter w)
    {
        int window = b.KH * b.KW;
        int c = k / window, r = k - c * window, kh = r / b.KW, kw = r - kh * b.KW;
        float* plane = b.Data + (nint)c * b.H * b.W;
        int colOffset = kw * b.DilationW - b.PadLeft;
        // Output columns whose input column lies inside the image: [owLo, owHi).
        int owLo = colOffset >= 0 ? 0 : (-colOffset + b.StrideW - 1) / b.StrideW;
        int owHi = b.W - 1 - colOffset < 0 ? 0 : Math.Min(b.OutW, (b.W - 1 - colOffset) / b.StrideW + 1);
        owLo = Math.Min(owLo, b.OutW);
        int n = n0, end = n0 + nc;
        while (n < end)
        {
            int oh = n / b.OutW, ow = n - oh * b.OutW;
            int segEnd = Math.Min(end, n + (b.OutW - ow));
            int owEnd = ow + (segEnd - n);
            int ih = oh * b.StrideH + kh * b.DilationH - b.PadTop;
            if ((uint)ih >= (uint)b.H || owHi <= owLo)
            {
                w.Zero(segEnd - n);
            }
            else
            {
                int lo = Math.Clamp(owLo, ow, owEnd), hi = Math.Clamp(owHi, lo, owEnd);
                w.Zero(lo - ow);
                float* src = plane + (nint)ih * b.W + (nint)lo * b.StrideW + colOffset;
                if (b.StrideW == 1) w.Copy(src, hi - lo);
                else w.Gather(src, b.StrideW, hi - lo);
                w.Zero(owEnd - hi);
            }
            n = segEnd;
        }
    }

    /// <summary>A cursor over one k row of the panels: column j lands at panel j / NR, lane j % NR.</summary>
    private struct PanelWriter(float* row, nint panelStride, int nr)
    {
        private float* _p = row;
        private int _lane;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Advance(int count)
        {
            _lane += count;
            _p += count;
            if (_lane == nr)
            {
                _lane = 0;
                _p += panelStride - nr;
            }
        }

        public void Zero(int count)
        {
            while (count > 0)
            {
                int run = Math.Min(count, nr - _lane);
                for (int i = 0; i < run; i++) _p[i] = 0f;
                Advance(run);
                count -= run;
            }
        }

        public void Copy(float* src, int count)
        {
            int vw = Vector<float>.Count;
            while (count > 0)
            {
                int run = Math.Min(count, nr - _lane);
                int i = 0;
                for (; i <= run - vw; i += vw) Vector.Store(Vector.Load(src + i), _p + i);
                for (; i < run; i++) _p[i] = src[i];
                src += run;
                Advance(run);
                count -= run;
            }
        }

        public void Gather(float* src, nint stride, int count)
        {
            while (count > 0)
            {
                int run = Math.Min(count, nr - _lane);
                for (int i = 0; i < run; i++) _p[i] = src[i * stride];
                src += run * stride;
                Advance(run);
                count -= run;
            }
        }
    }
}
