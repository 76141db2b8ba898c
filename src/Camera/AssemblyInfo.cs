// termios serial I/O, child-process pipes: Linux only, like the devices this runs on.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
