using Google.Protobuf;

namespace EdgeAgent.Telemetry.Wire;

/// <summary>A device-published message: it leads with a <see cref="Wire.Header"/> that the publisher stamps.</summary>
public interface IHeaderedMessage : IMessage
{
    Header Header { get; set; }
}

public sealed partial class Telemetry : IHeaderedMessage;
public sealed partial class Event : IHeaderedMessage;
public sealed partial class Result : IHeaderedMessage;
public sealed partial class Status : IHeaderedMessage;
public sealed partial class Reply : IHeaderedMessage;
