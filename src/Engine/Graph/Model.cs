namespace EdgeAgent.Engine.Graph;

/// <summary>A loaded model: the graph plus what the file said about where it came from.</summary>
public sealed class Model
{
    public Model(ModelGraph graph) => Graph = graph;

    public ModelGraph Graph { get; }
    public long IrVersion { get; init; }
    /// <summary>Opset version of the default ONNX domain the model was written for.</summary>
    public long Opset { get; init; }
    public string ProducerName { get; init; } = "";
    public string ProducerVersion { get; init; } = "";
    public long ModelVersion { get; init; }
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    /// <summary>Where the model was read from, for messages; empty for in-memory models.</summary>
    public string SourcePath { get; init; } = "";
}
