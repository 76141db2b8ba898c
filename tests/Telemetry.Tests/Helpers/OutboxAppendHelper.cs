namespace EdgeAgent.Telemetry.Tests.Helpers;

internal static class OutboxAppendHelper
{
    public static int Run(string[] args) => 64; // replaced once the outbox exists
}
