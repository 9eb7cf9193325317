import { expect, test } from "@playwright/test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

// The release build's first-load weight (WASM + JS + CSS, gzip -9). Sizes are deterministic for
// a given source, so this is a budget, not a timing. It only moves down, or up with a reason
// written here.
//
// Goal: 250 KB (Skyline's admin instance page: 2,457 KB; Horizon: 631 KB + fonts), read
// strictly: 250,000 bytes.
// Budget history:
//   480 KiB, 2026-11-22: first measurement of the full migration UI, fully hydrated (~467 KB).
//   250,000 B, 2026-11-22: Leptos islands. Only the live instance table (rows, More menu,
//   dialogs, toasts), the login form and the hydration marker are WASM; every page is
//   server-rendered HTML and the router stays on the server. Measured 247,733 B (WASM 239,179,
//   JS 5,996, CSS 2,558); the login form's in-place refusal costs ~8 KB of it.
//   250,000 B, 2026-12-02: live-migration progress in the Task column and the Abort / Force
//   Complete dialogs, paid for by making the login page a plain form post (no island): 249,940 B
//   (WASM 241,148, JS 5,924, CSS 2,868). CI measured 250,235 B on the same source (a clean
//   build), so the headroom was not real.
//   250,000 B, 2026-12-02: a second wasm-opt pass after cargo-leptos's (flatten, re-loop, -Oz
//   twice; scripts/setup's build_release): 247,548 B (WASM 238,748, JS 5,924, CSS 2,876).
const GOAL_GZIP_BYTES = 250_000;
const BUDGET_GZIP_BYTES = 250_000;

test("first-load assets stay within the page-weight budget", async ({ page }) => {
  const pkg = join(__dirname, "..", "..", "target", "site", "pkg");
  const files = readdirSync(pkg).filter((f) => /\.(wasm|js|css)$/.test(f));
  expect(files.some((f) => f.endsWith(".wasm"))).toBe(true);
  let total = 0;
  const lines: string[] = [];
  for (const f of files) {
    const raw = readFileSync(join(pkg, f));
    const gz = gzipSync(raw, { level: 9 }).length;
    total += gz;
    lines.push(`${f}: ${raw.length} B raw, ${gz} B gzip`);
  }
  console.log(
    `page weight: ${lines.join("; ")}; total ${total} B gzip ` +
      `(budget ${BUDGET_GZIP_BYTES} B, goal ${GOAL_GZIP_BYTES} B: ${total <= GOAL_GZIP_BYTES ? "met" : "not met"})`,
  );
  expect(total).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);

  // What the browser actually fetches on a first load matches the files measured above.
  const fetched: string[] = [];
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith("/pkg/")) fetched.push(path.slice(5));
  });
  await page.goto("/login");
  await expect(page.locator(".hydration-marker")).toHaveAttribute("data-hydrated", "true");
  for (const f of fetched) expect(files).toContain(f);
});
