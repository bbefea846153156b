import { createServer } from "node:net";

/**
 * A TCP port free right now on 127.0.0.1 (the OS picks it): torch's rendezvous port, and tests'
 * servers, which must never take a fixed port on a shared machine.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
