namespace EdgeAgent.Agent.Pipeline;

/// <summary>What the loop produced for one frame, with the time each stage took.</summary>
public readonly record struct FrameResult(
    long FrameId, string EngineVersion, TimeSpan QueueAge, TimeSpan Preprocess, TimeSpan Inference, TimeSpan Postprocess);
