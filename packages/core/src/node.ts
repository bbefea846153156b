// Node-only helpers (node:fs, node:net); the main entry stays free of them so it loads in a browser.
export type { AtomicWriteFs } from "./atomic-write";
export { writeFileAtomic } from "./atomic-write";
export { freePort } from "./free-port";
export { makeDirs } from "./make-dirs";
