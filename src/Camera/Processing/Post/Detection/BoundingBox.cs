namespace EdgeAgent.Camera.Processing.Post.Detection;

/// <summary>An axis-aligned box by its corners, in pixels.</summary>
public readonly record struct BoundingBox(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;

    public float Height => Y2 - Y1;

    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    public static BoundingBox FromCenter(float cx, float cy, float w, float h) => new(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);

    public float IoU(in BoundingBox other)
    {
        float iw = Math.Min(X2, other.X2) - Math.Max(X1, other.X1);
        float ih = Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1);
        if (iw <= 0 || ih <= 0)
            return 0;
        float inter = iw * ih;
        return inter / (Area + other.Area - inter);
    }
}
