using System.Runtime.Versioning;

// The agent under test is Linux-only.
[assembly: SupportedOSPlatform("linux")]
