import { expect, test } from "@playwright/test";
import { writeFileSync } from "fs";
import { adminToken } from "../tests/cloud";
import { ADMIN, hydrated, login } from "../tests/helpers";

// Two figures from a real browser, written as JSON to BENCH_OUT for scripts/bench:
// - time to interactive: navigation start until the WASM has hydrated the list (median of 20);
// - the delay between the cloud changing an instance's task and the row showing it (median of 20).
const CLOUD = process.env.FERRY_CLOUD_URL!;
const RUNS = 20;

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function setTask(token: string, id: string, task: string | null) {
  const r = await fetch(`${CLOUD}/_cloud/servers/${id}/state`, {
    method: "PUT",
    headers: { "x-auth-token": token, "content-type": "application/json" },
    body: JSON.stringify({ task_state: task }),
  });
  if (!r.ok) throw new Error(`state hook: ${r.status}`);
}

test("time to interactive and state-change delay", async ({ page }) => {
  const token = await adminToken();
  await login(page, ADMIN);
  await expect(page).toHaveURL(/\/admin\/instances/);

  const tti: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto("/admin/instances");
    const at = await page.waitForFunction(
      () => document.querySelector('.hydration-marker[data-hydrated="true"]') && performance.now(),
      undefined,
      { polling: 5 },
    );
    tti.push((await at.jsonValue()) as number);
  }

  // An instance from the first page, found again by its exact name.
  const first = page.locator("table.instances tbody tr").first();
  const name = (await first.locator("td.name a").innerText()).trim();
  const id = (await first.locator("td.name a").getAttribute("href"))!.split("/").pop()!;
  const exact = `^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
  const row = page.locator("table.instances tbody tr", { hasText: name });

  const delays: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await setTask(token, id, "migrating");
    await page.goto(`/admin/instances?name=${encodeURIComponent(exact)}`);
    await hydrated(page);
    await expect(row.locator("td:nth-child(7)")).toContainText("Migrating");
    // A random moment within the refresh period, so the figure is not in phase with the polling.
    await page.waitForTimeout(Math.random() * 1500);
    const t0 = Date.now();
    await setTask(token, id, null);
    await page.waitForFunction(
      (n) => {
        const rows = [...document.querySelectorAll("table.instances tbody tr")];
        const r = rows.find((x) => x.textContent?.includes(n));
        return r && !r.querySelector("td:nth-child(7)")?.textContent?.includes("Migrating");
      },
      name,
      { polling: 10, timeout: 30_000 },
    );
    delays.push(Date.now() - t0);
  }

  const out = {
    tti_ms: { median: median(tti), max: Math.max(...tti), runs: tti.length },
    change_to_row_ms: { median: median(delays), max: Math.max(...delays), runs: delays.length },
  };
  console.log(JSON.stringify(out));
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(out));
});
