using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAgent.Camera.Processing.Pre;

[JsonConverter(typeof(JsonStringEnumConverter<ResizeMode>))]
public enum ResizeMode
{
    /// <summary>Scale each axis independently to the input size; aspect ratio is not kept.</summary>
    Stretch,
    /// <summary>Scale uniformly to fit, centre, and pad the rest (what YOLO models are trained with).</summary>
    Letterbox,
}

[JsonConverter(typeof(JsonStringEnumConverter<ChannelOrder>))]
public enum ChannelOrder
{
    Rgb,
    Bgr,
}

[JsonConverter(typeof(JsonStringEnumConverter<TensorLayout>))]
public enum TensorLayout
{
    /// <summary>float32 [1, 3, height, width], planes in <see cref="ChannelOrder"/>.</summary>
    Nchw,
}

/// <summary>
/// How a camera frame becomes a model input: resize (stretch or letterbox) to Width x Height,
/// order channels, then value * Scale, minus Mean, divided by Std, per channel, laid out NCHW
/// float32. It travels with a model inside the engine file, so it is plain, serializable data.
/// </summary>
public sealed record PreprocessConfig
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public int Width { get; init; } = 640;
    public int Height { get; init; } = 640;
    public ResizeMode Resize { get; init; } = ResizeMode.Letterbox;
    public ChannelOrder Channels { get; init; } = ChannelOrder.Rgb;
    /// <summary>Multiplies 0..255 pixel values before mean/std; 1/255 maps them to 0..1.</summary>
    public float Scale { get; init; } = 1f / 255f;
    /// <summary>Per-channel mean, in <see cref="Channels"/> order, subtracted after scaling.</summary>
    public float[] Mean { get; init; } = [0f, 0f, 0f];
    /// <summary>Per-channel standard deviation, in <see cref="Channels"/> order.</summary>
    public float[] Std { get; init; } = [1f, 1f, 1f];
    /// <summary>Pixel value (0..255, before normalization) of letterbox padding.</summary>
    public byte PadValue { get; init; } = 114;
    public TensorLayout Layout { get; init; } = TensorLayout.Nchw;

    /// <summary>YOLO family: letterbox to size x size, RGB, 0..1.</summary>
    public static PreprocessConfig Yolo(int size = 640) => new() { Width = size, Height = size };

    /// <summary>ImageNet classifiers: stretch to size x size, RGB, ImageNet mean/std.</summary>
    public static PreprocessConfig ImageNet(int size = 224) => new()
    {
        Width = size,
        Height = size,
        Resize = ResizeMode.Stretch,
        Mean = [0.485f, 0.456f, 0.406f],
        Std = [0.229f, 0.224f, 0.225f],
    };

    public int TensorLength => 3 * Width * Height;

    public void Validate()
    {
        if (Width is < 1 or > 8192 || Height is < 1 or > 8192)
            throw new CameraConfigException($"preprocess size {Width}x{Height} is out of range (1..8192)");
        if (Mean is not { Length: 3 } || Std is not { Length: 3 })
            throw new CameraConfigException($"preprocess mean and std need exactly 3 values each (got {Mean?.Length ?? 0} and {Std?.Length ?? 0})");
        if (Std.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new CameraConfigException($"preprocess std values must be positive and finite (got {string.Join(", ", Std)})");
        if (Mean.Any(m => !float.IsFinite(m)) || !float.IsFinite(Scale) || Scale == 0)
            throw new CameraConfigException("preprocess mean and scale must be finite, and scale non-zero");
        if (!Enum.IsDefined(Resize) || !Enum.IsDefined(Channels) || !Enum.IsDefined(Layout))
            throw new CameraConfigException("preprocess resize, channels or layout has an unknown value");
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates; malformed JSON or values give a <see cref="CameraConfigException"/>.</summary>
    public static PreprocessConfig FromJson(string json)
    {
        PreprocessConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<PreprocessConfig>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new CameraConfigException($"preprocess config is not valid JSON for PreprocessConfig: {ex.Message}", ex);
        }
        if (config is null)
            throw new CameraConfigException("preprocess config is null");
        config.Validate();
        return config;
    }

    public bool Equals(PreprocessConfig? other) =>
        other is not null
        && Width == other.Width && Height == other.Height && Resize == other.Resize && Channels == other.Channels
        && Scale.Equals(other.Scale) && PadValue == other.PadValue && Layout == other.Layout
        && Mean.AsSpan().SequenceEqual(other.Mean) && Std.AsSpan().SequenceEqual(other.Std);

    public override int GetHashCode() => HashCode.Combine(Width, Height, Resize, Channels, Scale, PadValue, Layout, Mean.Length);
}
