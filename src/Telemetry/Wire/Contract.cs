namespace EdgeAgent.Telemetry.Wire;

/// <summary>Version of the wire contract this build speaks (Header.schema_version, Command.schema_version).</summary>
public static class Contract
{
    public const uint SchemaVersion = 1;
}
