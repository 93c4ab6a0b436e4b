// Envoy's own log lines (its application log, on stderr, which `kubectl logs` mixes with the stdout access log): what it
// prints when it starts, hot-restarts, rejects a config and shuts down. A collector must count these and not take them
// for access-log lines. The format is Envoy's default `[%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v`.

/** `[2025-12-16 09:40:01.234][1][info][main] [source/server/server.cc:432] message` */
export function envoyLogLine(ms: number, level: 'info' | 'warning' | 'critical', logger: string, source: string, message: string): string {
  const iso = new Date(ms).toISOString();
  return `[${iso.slice(0, 10)} ${iso.slice(11, 23)}][1][${level}][${logger}] [${source}] ${message}`;
}

export interface EnvoyStartInfo {
  epoch: number;
  configPath: string;
  clusters: number;
  listeners: number;
  adminPort?: number;
}

/** The lines of a start (epoch 0) or a hot restart (epoch ≥ 1) that loaded its config. */
export function envoyStartLines(ms: number, info: EnvoyStartInfo): string[] {
  const at = (i: number) => ms + i * 0.05;
  const lines = [
    envoyLogLine(at(0), 'info', 'main', 'source/server/server.cc:432', `initializing epoch ${info.epoch} (base id=0, hot restart version=11.104)`),
    envoyLogLine(at(1), 'info', 'main', 'source/server/server.cc:440', 'statically linked extensions: envoy.access_loggers: envoy.access_loggers.file, envoy.access_loggers.stderr, envoy.access_loggers.stdout'),
    envoyLogLine(at(2), 'info', 'main', 'source/server/server.cc:899', `loading bootstrap from ${info.configPath}`),
  ];
  if (info.adminPort !== undefined) lines.push(envoyLogLine(at(3), 'info', 'admin', 'source/server/admin/admin.cc:66', `admin address: 0.0.0.0:${info.adminPort}`));
  lines.push(
    envoyLogLine(at(4), 'info', 'config', 'source/server/configuration_impl.cc:168', 'loading 0 static secret(s)'),
    envoyLogLine(at(5), 'info', 'config', 'source/server/configuration_impl.cc:174', `loading ${info.clusters} cluster(s)`),
    envoyLogLine(at(6), 'info', 'config', 'source/server/configuration_impl.cc:178', `loading ${info.listeners} listener(s)`),
    envoyLogLine(at(7), 'info', 'main', 'source/server/server.cc:1009', 'starting main dispatch loop'),
    envoyLogLine(at(8), 'info', 'upstream', 'source/common/upstream/cluster_manager_impl.cc:240', 'cm init: all clusters initialized'),
    envoyLogLine(at(9), 'info', 'config', 'source/common/listener_manager/listener_manager_impl.cc:930', 'all dependencies initialized. starting workers'),
  );
  if (info.epoch > 0) lines.push(envoyLogLine(at(10), 'info', 'main', 'source/server/hot_restart_impl.cc:154', `epoch ${info.epoch - 1} drained and terminated`));
  return lines;
}

/** A config Envoy refuses: at start the process exits (the container crashes); on hot restart the old epoch stays. */
export function envoyConfigErrorLines(ms: number, configPath: string, problem: string): string[] {
  return [
    envoyLogLine(ms, 'info', 'main', 'source/server/server.cc:899', `loading bootstrap from ${configPath}`),
    envoyLogLine(ms + 0.05, 'critical', 'main', 'source/server/server.cc:131', `error initializing configuration '${configPath}': ${problem.replace(/\n/g, ' ')}`),
    envoyLogLine(ms + 0.1, 'info', 'main', 'source/server/server.cc:1079', 'exiting'),
  ];
}

/** SIGTERM at pod deletion or restart: Envoy drains and exits. */
export function envoyShutdownLines(ms: number): string[] {
  return [
    envoyLogLine(ms, 'warning', 'main', 'source/server/server.cc:893', 'caught ENVOY_SIGTERM'),
    envoyLogLine(ms + 0.05, 'info', 'main', 'source/server/server.cc:1027', 'shutting down server instance'),
    envoyLogLine(ms + 0.1, 'info', 'main', 'source/server/server.cc:964', 'main dispatch loop exited'),
    envoyLogLine(ms + 0.15, 'info', 'main', 'source/server/server.cc:1079', 'exiting'),
  ];
}
