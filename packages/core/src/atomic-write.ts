import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** The file operations `writeFileAtomic` uses; tests swap one out to simulate a failing disk. */
export interface AtomicWriteFs {
  openSync: typeof openSync;
  writeSync: (fd: number, data: Uint8Array, offset: number, length: number) => number;
  fsyncSync: typeof fsyncSync;
  closeSync: typeof closeSync;
  renameSync: typeof renameSync;
  rmSync: typeof rmSync;
}

const nodeFs: AtomicWriteFs = { openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync };

let counter = 0;

/**
 * Writes `bytes` to `path` so that `path` holds either its old content or the whole new content,
 * never a prefix: the bytes go to a temp file in the same directory (same file system, so the rename
 * is atomic), which is fsynced, renamed over `path`, and the directory fsynced so the rename itself
 * survives a power cut. On any failure the temp file is removed and the error rethrown.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, fs: AtomicWriteFs = nodeFs): void {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, "wx", 0o644);
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // The write already failed; that error is the one worth reporting.
      }
    }
    fs.rmSync(temp, { force: true });
    throw error;
  }
  syncDirectory(dir, fs);
}

function syncDirectory(dir: string, fs: AtomicWriteFs): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
