using EdgeAgent.Camera.Processing.Pre;

namespace EdgeAgent.Camera.Processing.Post.Text;

/// <summary>
/// Turns a DB text detector's probability map into rotated text boxes, as PaddleOCR does:
/// binarize, take 8-connected regions, fit each a minimum-area rectangle, score it by its mean
/// probability, grow it back by the unclip distance (the model predicts shrunk text kernels), and
/// map it to source pixels. Working buffers are reused between frames.
/// </summary>
public sealed class DbPostprocessor
{
    private readonly DbOptions _options;
    private int[] _labels = [];
    private int[] _stack = [];
    private int[] _rowMin = [], _rowMax = [];
    private Point2[] _points = [];

    public DbPostprocessor(DbOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <param name="probability">The map, row-major [mapHeight, mapWidth], values 0..1.</param>
    /// <param name="geometry">How the frame was fitted into the model input.</param>
    public IReadOnlyList<TextBox> Run(ReadOnlySpan<float> probability, int mapWidth, int mapHeight, ResizeGeometry geometry)
    {
        if (mapWidth < 1 || mapHeight < 1 || probability.Length != mapWidth * mapHeight)
            throw new ArgumentException($"probability map has {probability.Length} values, expected {mapWidth}x{mapHeight}", nameof(probability));
        int size = mapWidth * mapHeight;
        if (_labels.Length < size)
        {
            _labels = new int[size];
            _stack = new int[size];
        }
        if (_rowMin.Length < mapHeight)
        {
            _rowMin = new int[mapHeight];
            _rowMax = new int[mapHeight];
            _points = new Point2[4 * mapHeight];
        }
        Span<int> labels = _labels.AsSpan(0, size);
        labels.Clear();
        // Map pixels to model-input pixels (a DB head may output at a lower resolution).
        float toInputX = (float)geometry.InputWidth / mapWidth, toInputY = (float)geometry.InputHeight / mapHeight;

        var boxes = new List<TextBox>();
        int next = 0;
        for (int start = 0; start < size && next < _options.MaxCandidates; start++)
        {
            if (labels[start] != 0 || !(probability[start] > _options.Threshold))
                continue;
            next++;
            var region = Flood(probability, labels, mapWidth, mapHeight, start, next);
            if (region.MeanScore < _options.BoxThreshold)
                continue;
            int n = RegionOutline(region.MinY, region.MaxY);
            RotatedRect rect = RotatedRect.MinAreaOf(_points.AsSpan(0, n));
            if (Math.Min(rect.Width, rect.Height) < _options.MinSize)
                continue;
            float distance = rect.Perimeter > 0 ? rect.Area * _options.UnclipRatio / rect.Perimeter : 0;
            RotatedRect grown = rect.Grow(distance);
            if (Math.Min(grown.Width, grown.Height) < _options.MinSize + 2)
                continue;
            boxes.Add(ToSource(grown, region.MeanScore, toInputX, toInputY, geometry));
        }
        return boxes;
    }

    private (int MinY, int MaxY, float MeanScore) Flood(ReadOnlySpan<float> prob, Span<int> labels, int w, int h, int start, int label)
    {
        int minY = start / w, maxY = minY;
        _rowMin[minY] = int.MaxValue;
        _rowMax[minY] = int.MinValue;
        int top = 0;
        _stack[top++] = start;
        labels[start] = label;
        double sum = 0;
        int count = 0;
        float threshold = _options.Threshold;
        while (top > 0)
        {
            int i = _stack[--top];
            int y = i / w, x = i - y * w;
            sum += prob[i];
            count++;
            // Rows are first seen in any order; initialise a row's extent the first time.
            while (y > maxY)
            {
                maxY++;
                _rowMin[maxY] = int.MaxValue;
                _rowMax[maxY] = int.MinValue;
            }
            while (y < minY)
            {
                minY--;
                _rowMin[minY] = int.MaxValue;
                _rowMax[minY] = int.MinValue;
            }
            _rowMin[y] = Math.Min(_rowMin[y], x);
            _rowMax[y] = Math.Max(_rowMax[y], x);
            for (int dy = -1; dy <= 1; dy++)
            {
                int ny = y + dy;
                if ((uint)ny >= (uint)h)
                    continue;
                for (int dx = -1; dx <= 1; dx++)
                {
                    int nx = x + dx;
                    if ((uint)nx >= (uint)w)
                        continue;
                    int j = ny * w + nx;
                    if (labels[j] == 0 && prob[j] > threshold)
                    {
                        labels[j] = label;
                        _stack[top++] = j;
                    }
                }
            }
        }
        return (minY, maxY, (float)(sum / count));
    }

    /// <summary>Corners of each row's leftmost and rightmost pixel squares: their hull is the region's hull.</summary>
    private int RegionOutline(int minY, int maxY)
    {
        int n = 0;
        for (int y = minY; y <= maxY; y++)
        {
            if (_rowMin[y] == int.MaxValue)
                continue;
            float left = _rowMin[y], right = _rowMax[y] + 1;
            _points[n++] = new Point2(left, y);
            _points[n++] = new Point2(right, y);
            _points[n++] = new Point2(left, y + 1);
            _points[n++] = new Point2(right, y + 1);
        }
        return n;
    }

    private static TextBox ToSource(RotatedRect rect, float score, float toInputX, float toInputY, ResizeGeometry g)
    {
        Span<Point2> map = stackalloc Point2[4];
        rect.Corners(map);
        var corners = new Point2[4];
        for (int i = 0; i < 4; i++)
        {
            var (x, y) = g.ToSource(map[i].X * toInputX, map[i].Y * toInputY);
            corners[i] = new Point2(Math.Clamp(x, 0, g.SourceWidth), Math.Clamp(y, 0, g.SourceHeight));
        }
        var (cx, cy) = g.ToSource(rect.CenterX * toInputX, rect.CenterY * toInputY);
        float width = Distance(corners[0], corners[1]), height = Distance(corners[1], corners[2]);
        float angle = MathF.Atan2(corners[1].Y - corners[0].Y, corners[1].X - corners[0].X) * 180f / MathF.PI;
        return new TextBox(corners, new Point2(cx, cy), width, height, angle, score);
    }

    private static float Distance(Point2 a, Point2 b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
}
