using EdgeAgent.Camera.Frames;

namespace EdgeAgent.Camera.Sources.Synthetic;

/// <summary>
/// Draws deterministic frames: a gradient background, a moving rectangle and disc, and a white
/// label with a serial number and a word in black capitals. Frame n of a given seed and geometry
/// is always the same picture, so tests can assert on pixels and OCR demos on text.
/// </summary>
public sealed class SyntheticRenderer
{
    private static readonly string[] Words = ["PASS", "LOT A7", "EDGE", "CHECK", "BATCH 12", "OK"];

    private readonly FrameGeometry _geometry;
    private readonly int _seed;
    private readonly byte[] _background;
    private readonly (byte R, byte G, byte B) _rectColor;
    private readonly (byte R, byte G, byte B) _discColor;

    public SyntheticRenderer(FrameGeometry geometry, int seed)
    {
        _geometry = geometry;
        _seed = seed;
        _background = new byte[geometry.ByteCount];
        var rng = new Random(seed);
        _rectColor = ((byte)rng.Next(60, 256), (byte)rng.Next(0, 120), (byte)rng.Next(0, 120));
        _discColor = ((byte)rng.Next(0, 120), (byte)rng.Next(60, 256), (byte)rng.Next(120, 256));
        for (int y = 0; y < geometry.Height; y++)
        {
            byte v = (byte)(40 + 80 * y / geometry.Height);
            for (int x = 0; x < geometry.Width; x++)
                Put(_background, x, y, (v, v, (byte)(v + 20)));
        }
    }

    public FrameGeometry Geometry => _geometry;

    /// <summary>The serial number printed on frame <paramref name="frameIndex"/>.</summary>
    public long SerialOf(long frameIndex) => _seed * 1_000_000L + frameIndex % 1_000_000L;

    /// <summary>The word printed on frame <paramref name="frameIndex"/>; it changes once per 30 frames.</summary>
    public static string WordOf(long frameIndex) => Words[(int)(frameIndex / 30 % Words.Length)];

    public void Render(long frameIndex, Span<byte> destination)
    {
        int w = _geometry.Width, h = _geometry.Height;
        _background.CopyTo(destination);

        int rectW = Math.Max(4, w / 6), rectH = Math.Max(4, h / 5);
        int rectX = (int)(frameIndex * Math.Max(1, w / 90) % Math.Max(1, w - rectW));
        FillRect(destination, rectX, h / 8, rectW, rectH, _rectColor);

        int radius = Math.Max(3, Math.Min(w, h) / 10);
        double t = frameIndex / 45.0;
        int cx = (int)(w / 2 + (w / 2 - radius - 1) * Math.Sin(t));
        int cy = (int)(h * 0.55 + (h * 0.15) * Math.Cos(2 * t));
        FillDisc(destination, cx, cy, radius, _discColor);

        int scale = Math.Max(1, h / 120);
        int lineHeight = (BitmapFont.GlyphHeight + 3) * scale;
        int labelTop = h - 2 * lineHeight - 2 * scale;
        FillRect(destination, 0, labelTop, w, h - labelTop, (255, 255, 255));

        Span<char> line = stackalloc char[24];
        "SN ".CopyTo(line);
        SerialOf(frameIndex).TryFormat(line[3..], out int digits, "D8");
        DrawText(destination, line[..(3 + digits)], scale, scale * 2, labelTop + scale);
        DrawText(destination, WordOf(frameIndex), scale, scale * 2, labelTop + scale + lineHeight);
    }

    private void DrawText(Span<byte> dst, ReadOnlySpan<char> text, int scale, int left, int top)
    {
        int x = left;
        foreach (char c in text)
        {
            ReadOnlySpan<byte> rows = BitmapFont.Glyph(c);
            for (int gy = 0; gy < BitmapFont.GlyphHeight; gy++)
            {
                for (int gx = 0; gx < BitmapFont.GlyphWidth; gx++)
                {
                    if ((rows[gy] >> (BitmapFont.GlyphWidth - 1 - gx) & 1) != 0)
                        FillRect(dst, x + gx * scale, top + gy * scale, scale, scale, (0, 0, 0));
                }
            }
            x += (BitmapFont.GlyphWidth + 1) * scale;
        }
    }

    private void FillRect(Span<byte> dst, int x0, int y0, int rw, int rh, (byte R, byte G, byte B) color)
    {
        int x1 = Math.Min(_geometry.Width, x0 + rw), y1 = Math.Min(_geometry.Height, y0 + rh);
        x0 = Math.Max(0, x0);
        y0 = Math.Max(0, y0);
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++)
                Put(dst, x, y, color);
    }

    private void FillDisc(Span<byte> dst, int cx, int cy, int r, (byte R, byte G, byte B) color)
    {
        for (int y = Math.Max(0, cy - r); y <= Math.Min(_geometry.Height - 1, cy + r); y++)
            for (int x = Math.Max(0, cx - r); x <= Math.Min(_geometry.Width - 1, cx + r); x++)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
                    Put(dst, x, y, color);
    }

    private void Put(Span<byte> dst, int x, int y, (byte R, byte G, byte B) c)
    {
        int i = (y * _geometry.Width + x) * FrameGeometry.BytesPerPixel;
        if (_geometry.Format == PixelFormat.Rgb24)
        {
            dst[i] = c.R;
            dst[i + 1] = c.G;
            dst[i + 2] = c.B;
        }
        else
        {
            dst[i] = c.B;
            dst[i + 1] = c.G;
            dst[i + 2] = c.R;
        }
    }
}
