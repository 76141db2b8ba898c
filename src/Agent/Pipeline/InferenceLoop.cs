using System.Diagnostics;
using EdgeAgent.Camera.Ring;
using EdgeAgent.Engine.Runtime;

namespace EdgeAgent.Agent.Pipeline;

/// <summary>Reads one frame's outputs on the loop's thread; the context's outputs are valid only until the next frame.</summary>
public delegate void FrameHandler(LoadedEngine engine, InferenceContext context, FrameLease frame);

/// <summary>
/// The live loop's inference stage: takes the newest frame from the ring, pre-processes it
/// straight into the engine's input buffer, runs the engine, and hands the context (whose
/// outputs are valid until the next frame) to <c>postprocess</c>. After warm-up a frame
/// allocates nothing here. A frame that throws is counted and reported, and the loop goes on:
/// one bad engine must not stop the camera (the deployment's probation sees the errors).
/// </summary>
public sealed class InferenceLoop(FrameRing ring, EngineSlot slot)
{
    private long _processed;
    private long _skippedNoEngine;
    private long _errors;

    public long Processed => Interlocked.Read(ref _processed);
    /// <summary>Frames that arrived while no engine was loaded.</summary>
    public long SkippedNoEngine => Interlocked.Read(ref _skippedNoEngine);
    /// <summary>Frames whose inference or post-processing threw.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <param name="postprocess">Reads the outputs (e.g. decodes detections); runs on the loop's thread.</param>
    /// <param name="onResult">Receives each frame's timings.</param>
    /// <param name="onError">Receives a frame's failure (the frame is then skipped).</param>
    public async Task RunAsync(FrameHandler postprocess, Action<FrameResult> onResult, CancellationToken cancellationToken,
        Action<LoadedEngine, Exception>? onError = null)
    {
        while (await ring.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (ring.TryRead(out var lease))
            {
                using (lease)
                {
                    var engine = slot.Acquire();
                    if (engine is null)
                    {
                        Interlocked.Increment(ref _skippedNoEngine);
                        continue;
                    }
                    try
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        engine.Preprocessor.Run(lease.Pixels, lease.Info.Geometry, engine.Context.Input<float>(0));
                        long t1 = Stopwatch.GetTimestamp();
                        engine.Context.Execute(cancellationToken);
                        long t2 = Stopwatch.GetTimestamp();
                        postprocess(engine, engine.Context, lease);
                        long t3 = Stopwatch.GetTimestamp();
                        Interlocked.Increment(ref _processed);
                        onResult(new FrameResult(lease.Info.Id, engine.Version, lease.QueueAge,
                            Stopwatch.GetElapsedTime(t0, t1), Stopwatch.GetElapsedTime(t1, t2), Stopwatch.GetElapsedTime(t2, t3)));
                    }
                    catch (Exception e) when (e is not OperationCanceledException && onError is not null)
                    {
                        Interlocked.Increment(ref _errors);
                        onError(engine, e);
                    }
                    finally { EngineSlot.Release(engine); }
                }
            }
        }
    }
}
