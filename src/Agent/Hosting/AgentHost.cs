using EdgeAgent.Agent.Deployment;
using EdgeAgent.Agent.Engines;
using EdgeAgent.Agent.Service;
using EdgeAgent.Agent.Store;
using EdgeAgent.Telemetry.Drift;
using EdgeAgent.Telemetry.Link;
using EdgeAgent.Telemetry.Mqtt;
using EdgeAgent.Telemetry.Outbox;
using EdgeAgent.Telemetry.Wire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace EdgeAgent.Agent.Hosting;

/// <summary>
/// The composition root of <c>edgeagent run</c>: reads and checks the configuration, sets up
/// logging, wires the store, the link, the pipeline and the deployment manager, and runs them
/// until SIGTERM/SIGINT. The only place with dependency injection; everything below takes
/// plain constructor arguments.
/// </summary>
public static class AgentHost
{
    public static async Task<int> RunAsync(string configPath, bool verbose, CancellationToken cancellationToken)
    {
        var configuration = AgentConfiguration.Load(configPath);
        var options = AgentConfiguration.Bind(configuration);
        Directory.CreateDirectory(options.StateDirectory);

        var level = new LoggingLevelSwitch(verbose ? LogEventLevel.Debug : Enum.Parse<LogEventLevel>(options.Logging.Level, true));
        var logConfig = new LoggerConfiguration().MinimumLevel.ControlledBy(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext:l}: {Message:lj}{NewLine}{Exception}");
        if (options.Logging.Directory is { Length: > 0 } logs)
            logConfig = logConfig.WriteTo.File(Path.Combine(logs, "edgeagent-.log"), rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: Math.Max(1, options.Logging.RetainedFiles), fileSizeLimitBytes: 64L * 1024 * 1024, rollOnFileSizeLimit: true);
        await using var serilog = logConfig.CreateLogger();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(serilog);
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = TimeSpan.FromSeconds(20);
            o.ServicesStartConcurrently = false;
            o.ServicesStopConcurrently = false;
        });
        Register(builder.Services, options, level);

        var host = builder.Build();
        await using var _ = (IAsyncDisposable)host;
        var log = host.Services.GetRequiredService<ILogger<AgentOptions>>();
        log.LogInformation("edgeagent {Version} starting: device {Device}, model {Model}, camera {Camera}, state {State}",
            DeploymentManager.AgentVersion, options.DeviceId, options.Model.Id, Camera.Sources.FrameSourceUri.Redact(options.Camera.Source), options.StateDirectory);
        var systemd = host.Services.GetRequiredService<SystemdNotifier>();
        // While the host still owns the notifier: RunAsync disposes the services when it returns.
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(systemd.Stopping);
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            log.LogInformation("edgeagent stopped");
        }
        return 0;
    }

    private static void Register(IServiceCollection services, AgentOptions options, LoggingLevelSwitch level)
    {
        string state = options.StateDirectory;
        var format = PayloadFormats.TryParse(options.Mqtt.PayloadFormat, out var f) ? f : PayloadFormat.Protobuf;
        var linkOptions = new DeviceLinkOptions
        {
            DeviceId = options.DeviceId, PayloadFormat = format, TopicPrefix = options.Mqtt.TopicPrefix, AgentVersion = DeploymentManager.AgentVersion,
            TelemetryExpirySeconds = options.Mqtt.TelemetryExpirySeconds,
        };
        services.AddSingleton(options);
        services.AddSingleton(level);
        services.AddSingleton(_ => SystemdNotifier.FromEnvironment());
        services.AddSingleton(sp => new RuntimeSettings(options, level, Path.Combine(state, AgentConfiguration.OverridesFile)));
        services.AddSingleton(_ => new EngineStore(Path.Combine(state, "store"), options.Deployment.KeepVersions));
        services.AddSingleton(_ => new DeploymentJournal(Path.Combine(state, "deployments")));
        services.AddSingleton(_ => new CommandLedger(Path.Combine(state, "commands")));
        services.AddSingleton(_ => new EngineFactory(options.Engine, options.Model.Preprocess.ToConfig()));
        services.AddSingleton(_ => new ServingState(new DriftThresholds()));
        services.AddSingleton(_ => new ArtifactDownloader(new HttpClient { Timeout = TimeSpan.FromMinutes(30) }));
        services.AddSingleton(sp => new ReconnectingMqttClient(AgentConfiguration.MqttOptions(options) with
        {
            // A persistent session: commands sent while the device is offline or restarting wait at the broker
            // (expires_at bounds how stale they may be); repeats are harmless, commands are idempotent by id.
            CleanSession = false,
            Will = DeviceLink.CreateWill(linkOptions),
            ReconnectDelayMin = TimeSpan.FromMilliseconds(250),
            ReconnectDelayMax = TimeSpan.FromSeconds(15),
        }));
        services.AddSingleton(_ => DiskOutbox.Open(new OutboxOptions
        {
            Directory = Path.Combine(state, "outbox"), MaxBytes = options.Telemetry.OutboxMaxMegabytes * 1024L * 1024,
        }));
        services.AddSingleton(sp => new DeviceLink(linkOptions, sp.GetRequiredService<ReconnectingMqttClient>(), sp.GetRequiredService<DiskOutbox>()));
        services.AddSingleton<DeploymentManager>();
        // Start order matters: the engine is loaded (LinkService) before the pipeline starts.
        services.AddHostedService<LinkService>();
        services.AddHostedService<InferenceWorker>();
        services.AddHostedService<TelemetryWorker>();
        services.AddHostedService<CommandWorker>();
    }
}
