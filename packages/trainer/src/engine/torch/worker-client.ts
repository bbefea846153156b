import { CharrnnError, type CharrnnErrorCode } from "@charrnn/core";
import type { LaunchedWorkers } from "./launch";
import { encodeMessage, MessageReader, type WireMessage, type WireTensor } from "./wire";

/**
 * Requests to the rank-0 worker, answered in order. A worker that exits (or fails) rejects every
 * pending request with one line naming what it last wrote to stderr.
 */
export class WorkerClient {
  private readonly reader = new MessageReader();
  private readonly pending: { resolve: (m: WireMessage) => void; reject: (e: Error) => void }[] = [];
  private failure: CharrnnError | undefined;
  private closing = false;

  constructor(private readonly workers: LaunchedWorkers) {
    const rank0 = workers.rank0;
    if (rank0?.stdout == null || rank0.stdin == null) {
      throw new CharrnnError("TORCH_PROTOCOL", "the rank-0 torch worker has no stdin/stdout");
    }
    rank0.stdout.on("data", (chunk: Buffer) => this.receive(chunk));
    // A write to a worker that just died is reported by the exit handler below, not as EPIPE.
    rank0.stdin.on("error", () => {});
    for (const [i, child] of workers.all.entries()) {
      child.once("error", (error) => this.fail(`torch worker ${i} could not start: ${error.message}`));
      child.once("exit", (code, signal) => {
        if (this.closing && code === 0) return;
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
        const tail = workers.stderrTail().split("\n").pop() ?? "";
        this.fail(
          `torch worker (local rank ${i}) ${how}${tail ? `: ${tail.replace(/^\[local rank \d+\] /, "")}` : ""}`,
        );
      });
    }
  }

  request(header: Record<string, unknown>, tensors: readonly WireTensor[] = []): Promise<WireMessage> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.workers.rank0!.stdin!.write(encodeMessage(header, tensors));
    });
  }

  /** Asks the workers to exit; kills them if they have not within `graceMs`. */
  close(graceMs = 5000): void {
    if (this.closing) return;
    this.closing = true;
    const stdin = this.workers.rank0?.stdin;
    if (this.failure === undefined && stdin?.writable) {
      stdin.write(encodeMessage({ op: "shutdown" }));
      stdin.end();
    }
    const timer = setTimeout(() => this.workers.kill(), graceMs);
    timer.unref();
    void this.workers.exited.then(() => clearTimeout(timer));
  }

  private receive(chunk: Buffer): void {
    this.reader.push(chunk);
    for (;;) {
      let message: WireMessage | undefined;
      try {
        message = this.reader.next();
      } catch (error) {
        this.fail((error as Error).message);
        return;
      }
      if (message === undefined) return;
      const waiter = this.pending.shift();
      if (waiter === undefined) continue;
      const error = message.header.error as { code?: string; message?: string } | undefined;
      if (error !== undefined) {
        waiter.reject(
          // The worker raises only codes of CharrnnErrorCode (python/charrnn_torch).
          new CharrnnError(
            (error.code as CharrnnErrorCode | undefined) ?? "TORCH_WORKER_FAILED",
            error.message ?? "torch worker error",
          ),
        );
      } else {
        waiter.resolve(message);
      }
    }
  }

  private fail(message: string): void {
    if (this.closing && this.pending.length === 0) return;
    this.failure ??= new CharrnnError("TORCH_WORKER_FAILED", message);
    for (const waiter of this.pending.splice(0)) waiter.reject(this.failure);
    this.workers.kill();
  }
}
