using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Processing.Pre;

/// <summary>
/// Turns a packed 8-bit frame into a normalized NCHW float32 tensor in one pass: bilinear resize
/// (half-pixel centres, as OpenCV's INTER_LINEAR), channel order, scale/mean/std and the HWC→CHW
/// transpose are fused, and the result goes straight into the caller's span (an engine's input
/// buffer). Interpolation tables are built once per source size, so steady state allocates
/// nothing. One instance per thread.
/// </summary>
public sealed class Preprocessor
{
    private readonly PreprocessConfig _config;
    private readonly float[] _a = new float[3];
    private readonly float[] _b = new float[3];
    private int[] _x0 = [], _x1 = [], _y0 = [], _y1 = [];
    private float[] _wx = [], _wy = [];
    private ResizeGeometry _tables;
    private bool _haveTables;

    public Preprocessor(PreprocessConfig config)
    {
        config.Validate();
        _config = config;
        for (int c = 0; c < 3; c++)
        {
            _a[c] = config.Scale / config.Std[c];
            _b[c] = -config.Mean[c] / config.Std[c];
        }
    }

    public PreprocessConfig Config => _config;

    public ResizeGeometry GeometryFor(int sourceWidth, int sourceHeight) =>
        ResizeGeometry.Compute(sourceWidth, sourceHeight, _config.Width, _config.Height, _config.Resize);

    /// <summary>
    /// Writes the model input for <paramref name="pixels"/> into <paramref name="destination"/>
    /// (<see cref="PreprocessConfig.TensorLength"/> floats) and returns where the image landed.
    /// </summary>
    public ResizeGeometry Run(ReadOnlySpan<byte> pixels, FrameGeometry source, Span<float> destination)
    {
        if (pixels.Length < source.ByteCount)
            throw new ArgumentException($"pixel buffer holds {pixels.Length} bytes, a {source} frame needs {source.ByteCount}", nameof(pixels));
        if (destination.Length < _config.TensorLength)
            throw new ArgumentException($"destination holds {destination.Length} floats, the model input needs {_config.TensorLength}", nameof(destination));

        ResizeGeometry g = EnsureTables(source.Width, source.Height);
        bool swap = (source.Format == PixelFormat.Rgb24) != (_config.Channels == ChannelOrder.Rgb);
        int s0 = swap ? 2 : 0, s2 = swap ? 0 : 2;
        int plane = _config.Width * _config.Height;
        Span<float> p0 = destination[..plane], p1 = destination.Slice(plane, plane), p2 = destination.Slice(2 * plane, plane);

        FillPadding(p0, _a[0], _b[0], g);
        FillPadding(p1, _a[1], _b[1], g);
        FillPadding(p2, _a[2], _b[2], g);

        if (g.ContentWidth == source.Width && g.ContentHeight == source.Height)
            CopyUnscaled(pixels, source, g, s0, s2, p0, p1, p2);
        else
            Bilinear(pixels, source, g, s0, s2, p0, p1, p2);
        return g;
    }

    private void CopyUnscaled(ReadOnlySpan<byte> src, FrameGeometry source, ResizeGeometry g, int s0, int s2,
        Span<float> p0, Span<float> p1, Span<float> p2)
    {
        float a0 = _a[0], a1 = _a[1], a2 = _a[2], b0 = _b[0], b1 = _b[1], b2 = _b[2];
        int w = g.ContentWidth, stride = source.Stride, outW = _config.Width;
        for (int y = 0; y < g.ContentHeight; y++)
        {
            ReadOnlySpan<byte> row = src.Slice(y * stride, stride);
            int o = (g.PadY + y) * outW + g.PadX;
            Span<float> r0 = p0.Slice(o, w), r1 = p1.Slice(o, w), r2 = p2.Slice(o, w);
            for (int x = 0, i = 0; x < r0.Length; x++, i += 3)
            {
                r0[x] = row[i + s0] * a0 + b0;
                r1[x] = row[i + 1] * a1 + b1;
                r2[x] = row[i + s2] * a2 + b2;
            }
        }
    }

    private void Bilinear(ReadOnlySpan<byte> src, FrameGeometry source, ResizeGeometry g, int s0, int s2,
        Span<float> p0, Span<float> p1, Span<float> p2)
    {
        float a0 = _a[0], a1 = _a[1], a2 = _a[2], b0 = _b[0], b1 = _b[1], b2 = _b[2];
        int w = g.ContentWidth, stride = source.Stride, outW = _config.Width;
        ReadOnlySpan<int> xs0 = _x0.AsSpan(0, w), xs1 = _x1.AsSpan(0, w);
        ReadOnlySpan<float> wxs = _wx.AsSpan(0, w);
        for (int y = 0; y < g.ContentHeight; y++)
        {
            ReadOnlySpan<byte> top = src.Slice(_y0[y] * stride, stride);
            ReadOnlySpan<byte> bottom = src.Slice(_y1[y] * stride, stride);
            float fy = _wy[y], gy = 1f - fy;
            int o = (g.PadY + y) * outW + g.PadX;
            Span<float> r0 = p0.Slice(o, w), r1 = p1.Slice(o, w), r2 = p2.Slice(o, w);
            for (int x = 0; x < r0.Length; x++)
            {
                int i = xs0[x], j = xs1[x];
                float fx = wxs[x], gx = 1f - fx;
                float wTL = gx * gy, wTR = fx * gy, wBL = gx * fy, wBR = fx * fy;
                r0[x] = (top[i + s0] * wTL + top[j + s0] * wTR + bottom[i + s0] * wBL + bottom[j + s0] * wBR) * a0 + b0;
                r1[x] = (top[i + 1] * wTL + top[j + 1] * wTR + bottom[i + 1] * wBL + bottom[j + 1] * wBR) * a1 + b1;
                r2[x] = (top[i + s2] * wTL + top[j + s2] * wTR + bottom[i + s2] * wBL + bottom[j + s2] * wBR) * a2 + b2;
            }
        }
    }

    private void FillPadding(Span<float> p, float a, float b, ResizeGeometry g)
    {
        if (g.ContentWidth == _config.Width && g.ContentHeight == _config.Height)
            return;
        float pad = _config.PadValue * a + b;
        int outW = _config.Width;
        p[..(g.PadY * outW)].Fill(pad);
        p[((g.PadY + g.ContentHeight) * outW)..].Fill(pad);
        int right = outW - g.PadX - g.ContentWidth;
        for (int y = g.PadY; y < g.PadY + g.ContentHeight; y++)
        {
            p.Slice(y * outW, g.PadX).Fill(pad);
            p.Slice(y * outW + g.PadX + g.ContentWidth, right).Fill(pad);
        }
    }

    private ResizeGeometry EnsureTables(int sourceWidth, int sourceHeight)
    {
        if (_haveTables && _tables.SourceWidth == sourceWidth && _tables.SourceHeight == sourceHeight)
            return _tables;
        ResizeGeometry g = GeometryFor(sourceWidth, sourceHeight);
        // Source sample positions for each output column/row, as byte offsets and row indices.
        _x0 = new int[g.ContentWidth];
        _x1 = new int[g.ContentWidth];
        _wx = new float[g.ContentWidth];
        for (int x = 0; x < g.ContentWidth; x++)
        {
            var (i0, i1, f) = Sample(x, g.ScaleX, sourceWidth);
            (_x0[x], _x1[x], _wx[x]) = (i0 * 3, i1 * 3, f);
        }
        _y0 = new int[g.ContentHeight];
        _y1 = new int[g.ContentHeight];
        _wy = new float[g.ContentHeight];
        for (int y = 0; y < g.ContentHeight; y++)
            (_y0[y], _y1[y], _wy[y]) = Sample(y, g.ScaleY, sourceHeight);
        _tables = g;
        _haveTables = true;
        return g;
    }

    private static (int I0, int I1, float Weight) Sample(int outIndex, float scale, int sourceLength)
    {
        float s = (outIndex + 0.5f) / scale - 0.5f;
        if (s <= 0)
            return (0, 0, 0f);
        int i0 = (int)s;
        if (i0 >= sourceLength - 1)
            return (sourceLength - 1, sourceLength - 1, 0f);
        return (i0, i0 + 1, s - i0);
    }
}
