using System.Runtime.Versioning;

// The agent runs on Linux devices (Jetson, x86-64 boxes): termios, ffmpeg pipes, systemd.
[assembly: SupportedOSPlatform("linux")]
