using EdgeAgent.Camera.Frames;
using EdgeAgent.Camera.Processing.Post.Text;

namespace EdgeAgent.Camera.Processing.Pre;

/// <summary>
/// Cuts a text line out of a frame along its quadrilateral and writes it as a PP-OCR line
/// model's input (direction classifier, recognizer): planar float, height fixed, the line's
/// own width at that height followed by zero padding, values (v/255 − 0.5) / 0.5. Sampling
/// interpolates the four corners bilinearly, which is exact for the rotated rectangles and
/// parallelograms a detector reports, and reads the frame bilinearly with edges repeated.
/// </summary>
public static class TextLineCrop
{
    /// <summary>A line this much taller than wide is read turned 90° (PP-OCR's rule for vertical text).</summary>
    public const float VerticalAspect = 1.5f;

    /// <summary>
    /// The corners in reading order, top-left first and clockwise, from a detector's corners
    /// (clockwise from the top-left of the axis-aligned view): a vertical line is turned a
    /// quarter counter-clockwise, and an upside-down line half a turn more.
    /// </summary>
    public static void ReadingOrder(ReadOnlySpan<Point2> corners, bool upsideDown, Span<Point2> quad)
    {
        if (corners.Length != 4 || quad.Length != 4) throw new ArgumentException("a text line has four corners");
        var (w, h) = Size(corners);
        int shift = (h >= VerticalAspect * w ? 1 : 0) + (upsideDown ? 2 : 0);
        for (int i = 0; i < 4; i++) quad[i] = corners[(i + shift) % 4];
    }

    /// <summary>The side lengths of a quadrilateral in reading order: the longer of each pair of opposite sides.</summary>
    public static (float Width, float Height) Size(ReadOnlySpan<Point2> quad) =>
        (MathF.Max(Distance(quad[0], quad[1]), Distance(quad[3], quad[2])),
         MathF.Max(Distance(quad[0], quad[3]), Distance(quad[1], quad[2])));

    /// <summary>Columns the line takes when scaled to <paramref name="height"/> rows, at least 1 and at most <paramref name="maxWidth"/>.</summary>
    public static int ContentWidth(ReadOnlySpan<Point2> quad, int height, int maxWidth)
    {
        var (w, h) = Size(quad);
        double columns = h <= 0 ? 1 : Math.Ceiling(height * (double)w / h);
        return (int)Math.Clamp(columns, 1, maxWidth);
    }

    /// <summary>
    /// Writes the line into <paramref name="destination"/> as [3, height, width]: the quad
    /// stretched over the first <paramref name="contentWidth"/> columns, zeros after them.
    /// </summary>
    public static void Write(ReadOnlySpan<byte> pixels, FrameGeometry frame, ReadOnlySpan<Point2> quad,
        int contentWidth, int height, int width, ChannelOrder channels, Span<float> destination)
    {
        if (pixels.Length < frame.ByteCount) throw new ArgumentException($"pixel buffer holds {pixels.Length} bytes, a {frame} frame needs {frame.ByteCount}", nameof(pixels));
        if (quad.Length != 4) throw new ArgumentException("a text line has four corners", nameof(quad));
        if (height < 1 || width < 1 || contentWidth < 1 || contentWidth > width)
            throw new ArgumentOutOfRangeException(nameof(contentWidth), $"need 1 <= content width ({contentWidth}) <= width ({width}) and height >= 1 (got {height})");
        int plane = height * width;
        if (destination.Length < 3 * plane) throw new ArgumentException($"destination holds {destination.Length} floats, 3x{height}x{width} needs {3 * plane}", nameof(destination));

        bool swap = (frame.Format == PixelFormat.Rgb24) != (channels == ChannelOrder.Rgb);
        int first = swap ? 2 : 0, last = swap ? 0 : 2;
        Point2 p0 = quad[0], p1 = quad[1], p2 = quad[2], p3 = quad[3];
        float ax = p1.X - p0.X, ay = p1.Y - p0.Y, bx = p3.X - p0.X, by = p3.Y - p0.Y;
        float cx = p0.X - p1.X + p2.X - p3.X, cy = p0.Y - p1.Y + p2.Y - p3.Y;
        int stride = frame.Stride, maxX = frame.Width - 1, maxY = frame.Height - 1;
        const float scale = 2f / 255f, offset = -1f;

        destination[..(3 * plane)].Clear();
        for (int v = 0; v < height; v++)
        {
            float t = (v + 0.5f) / height;
            for (int u = 0; u < contentWidth; u++)
            {
                float s = (u + 0.5f) / contentWidth;
                // Corner coordinates count pixel edges; pixel i's centre is at i + 0.5.
                float x = p0.X + s * ax + t * bx + s * t * cx - 0.5f;
                float y = p0.Y + s * ay + t * by + s * t * cy - 0.5f;
                x = Math.Clamp(x, 0, maxX);
                y = Math.Clamp(y, 0, maxY);
                int x0 = (int)x, y0 = (int)y;
                int x1 = Math.Min(x0 + 1, maxX), y1 = Math.Min(y0 + 1, maxY);
                float fx = x - x0, fy = y - y0;
                int r0 = y0 * stride, r1 = y1 * stride, at = v * width + u;
                for (int c = 0; c < 3; c++)
                {
                    float top = pixels[r0 + x0 * 3 + c] + fx * (pixels[r0 + x1 * 3 + c] - pixels[r0 + x0 * 3 + c]);
                    float bottom = pixels[r1 + x0 * 3 + c] + fx * (pixels[r1 + x1 * 3 + c] - pixels[r1 + x0 * 3 + c]);
                    int channel = c == 0 ? first : c == 2 ? last : 1;
                    destination[channel * plane + at] = (top + fy * (bottom - top)) * scale + offset;
                }
            }
        }
    }

    private static float Distance(Point2 a, Point2 b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
}
