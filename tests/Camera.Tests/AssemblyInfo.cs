// The camera library speaks termios, ffmpeg pipes and /proc: Linux only, like the devices it runs on.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
