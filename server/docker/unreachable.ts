/**
 * Explains, in words an operator can act on, why the Docker daemon did not answer.
 * `endpoint` names what was dialled, e.g. "/var/run/docker.sock" or "tcp://10.0.0.5:2375".
 */
export function describeUnreachable(err: unknown, endpoint: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const name = (err as Error | undefined)?.name;
  switch (code) {
    case "ENOENT":
      return `Docker socket ${endpoint} does not exist: the Docker daemon is not running or not installed (scripts/ensure-docker.sh installs and starts it)`;
    case "EACCES":
    case "EPERM":
      return `permission denied on ${endpoint}: run the server as root or as a member of the "docker" group`;
    case "ECONNREFUSED":
      return `nothing accepts connections on ${endpoint}: the Docker daemon is not running`;
    case "ENOTSOCK":
      return `${endpoint} is not a socket: check DOCKER_HOST or the configured socket path`;
  }
  if (name === "AbortError" || name === "TimeoutError" || code === "ABORT_ERR") {
    return `the Docker daemon at ${endpoint} did not answer in time: it may be starting or overloaded`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `the Docker daemon at ${endpoint} is unreachable: ${message}`;
}
