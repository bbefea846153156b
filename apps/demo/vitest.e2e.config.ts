import { defineConfig } from "vitest/config";

/**
 * End-to-end tests: build the page, serve it with `vite preview` and drive it in headless Chromium
 * (playwright-core with the system browser; see e2e/browser.ts). Kept apart from the unit tests.
 */
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
