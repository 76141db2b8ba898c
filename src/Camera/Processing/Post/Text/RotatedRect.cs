namespace EdgeAgent.Camera.Processing.Post.Text;

/// <summary>A rectangle of any rotation: centre, side lengths and the direction of the first side.</summary>
public readonly record struct RotatedRect(float CenterX, float CenterY, float Width, float Height, float AngleRadians)
{
    public float Area => Width * Height;

    public float Perimeter => 2 * (Width + Height);

    /// <summary>
    /// The smallest-area rectangle holding the points: convex hull (monotone chain), then for each
    /// hull edge the bounding box aligned with it (rotating calipers); one of those is minimal.
    /// </summary>
    public static RotatedRect MinAreaOf(Span<Point2> points)
    {
        if (points.Length == 0)
            throw new ArgumentException("no points", nameof(points));
        int h = ConvexHull(points);
        ReadOnlySpan<Point2> hull = points[..h];
        if (h == 1)
            return new RotatedRect(hull[0].X, hull[0].Y, 0, 0, 0);

        RotatedRect best = default;
        float bestArea = float.PositiveInfinity;
        for (int i = 0; i < h; i++)
        {
            Point2 a = hull[i], b = hull[(i + 1) % h];
            float dx = b.X - a.X, dy = b.Y - a.Y, len = MathF.Sqrt(dx * dx + dy * dy);
            if (len == 0)
                continue;
            float ux = dx / len, uy = dy / len; // along the edge; (-uy, ux) across it
            float minU = float.MaxValue, maxU = float.MinValue, minV = float.MaxValue, maxV = float.MinValue;
            foreach (Point2 p in hull)
            {
                float u = p.X * ux + p.Y * uy, v = -p.X * uy + p.Y * ux;
                minU = MathF.Min(minU, u);
                maxU = MathF.Max(maxU, u);
                minV = MathF.Min(minV, v);
                maxV = MathF.Max(maxV, v);
            }
            float area = (maxU - minU) * (maxV - minV);
            if (area < bestArea)
            {
                bestArea = area;
                float cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
                best = new RotatedRect(cu * ux - cv * uy, cu * uy + cv * ux, maxU - minU, maxV - minV, MathF.Atan2(uy, ux));
            }
        }
        return best.Normalized();
    }

    /// <summary>The same rectangle described with its angle in (-45°, 45°], so Width runs closest to the x axis.</summary>
    public RotatedRect Normalized()
    {
        float angle = AngleRadians, w = Width, hgt = Height;
        const float quarter = MathF.PI / 2;
        while (angle > quarter / 2)
        {
            angle -= quarter;
            (w, hgt) = (hgt, w);
        }
        while (angle <= -quarter / 2)
        {
            angle += quarter;
            (w, hgt) = (hgt, w);
        }
        return new RotatedRect(CenterX, CenterY, w, hgt, angle);
    }

    public RotatedRect Grow(float distance) => this with { Width = Width + 2 * distance, Height = Height + 2 * distance };

    /// <summary>Corners clockwise (in image coordinates, y down) from the top-left.</summary>
    public void Corners(Span<Point2> corners)
    {
        float c = MathF.Cos(AngleRadians), s = MathF.Sin(AngleRadians);
        float hw = Width / 2, hh = Height / 2;
        corners[0] = new Point2(CenterX - hw * c + hh * s, CenterY - hw * s - hh * c);
        corners[1] = new Point2(CenterX + hw * c + hh * s, CenterY + hw * s - hh * c);
        corners[2] = new Point2(CenterX + hw * c - hh * s, CenterY + hw * s + hh * c);
        corners[3] = new Point2(CenterX - hw * c - hh * s, CenterY - hw * s + hh * c);
    }

    /// <summary>Andrew's monotone chain; writes the hull (counter-clockwise) to the front of the span and returns its size.</summary>
    private static int ConvexHull(Span<Point2> p)
    {
        p.Sort(static (a, b) => a.X != b.X ? a.X.CompareTo(b.X) : a.Y.CompareTo(b.Y));
        int unique = 0;
        for (int i = 0; i < p.Length; i++)
            if (unique == 0 || p[i] != p[unique - 1])
                p[unique++] = p[i];
        if (unique < 3)
            return unique;

        Span<Point2> hull = unique <= 512 ? stackalloc Point2[2 * unique] : new Point2[2 * unique];
        int k = 0;
        for (int i = 0; i < unique; i++)
        {
            while (k >= 2 && Cross(hull[k - 2], hull[k - 1], p[i]) <= 0)
                k--;
            hull[k++] = p[i];
        }
        for (int i = unique - 2, lower = k + 1; i >= 0; i--)
        {
            while (k >= lower && Cross(hull[k - 2], hull[k - 1], p[i]) <= 0)
                k--;
            hull[k++] = p[i];
        }
        k--; // the last point repeats the first
        hull[..k].CopyTo(p);
        return k;
    }

    private static float Cross(Point2 o, Point2 a, Point2 b) => (a.X - o.X) * (b.Y - o.Y) - (a.Y - o.Y) * (b.X - o.X);
}
