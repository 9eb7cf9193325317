import { defineConfig } from "@playwright/test";

// The server is started by scripts/test (Ferry on its in-process embedded cloud); these tests
// share that cloud's state, so they run one at a time.
export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  // The drain test moves a whole host and runs last, after every other test (Move back leaves
  // the host as it found it, but not the migration history the others count).
  projects: [
    { name: "main", testIgnore: /drain\.spec\.ts/ },
    { name: "drain", testMatch: /drain\.spec\.ts/, dependencies: ["main"] },
  ],
  use: {
    baseURL: process.env.FERRY_URL ?? "http://127.0.0.1:3300",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    screenshot: "only-on-failure",
    trace: "off",
  },
});
