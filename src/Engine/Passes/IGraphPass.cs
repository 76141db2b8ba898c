namespace EdgeAgent.Engine.Passes;

/// <summary>
/// One graph rewrite. A pass edits <see cref="PassContext.Graph"/> in place and records each
/// rewrite by pattern name; the pipeline re-sorts, prunes and re-infers shapes after it.
/// </summary>
public interface IGraphPass
{
    string Name { get; }

    void Run(PassContext context);
}
