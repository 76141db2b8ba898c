namespace EdgeAgent.Agent.Fleet;

/// <summary>
/// A fleet operation the operator can fix or must know about: a bad broker URI, an unreachable
/// broker, a missing artifact or key, a device that refused, rolled back or never answered.
/// The CLI prints the message as one line and exits with code 2.
/// </summary>
public sealed class FleetException(string message) : Exception(message);
