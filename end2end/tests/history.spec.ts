import { expect, Page, test } from "@playwright/test";
import { serverAction, showServer } from "./cloud";
import { loginAsAdmin } from "./helpers";

// Migration history: the instance page's migrations with their events, and the Migrations page's
// filters (exact host, status, type, time) and paging. The scene is set straight at the cloud.

async function idOf(page: Page, name: string): Promise<string> {
  await page.goto(`/admin/instances?name=${encodeURIComponent(`^${name}$`)}`);
  const id = await page.locator("table.instances tbody tr").first().getAttribute("data-id");
  expect(id).toBeTruthy();
  return id!;
}

async function settled(id: string, check: (s: any) => boolean) {
  await expect.poll(async () => check(await showServer(id)), { timeout: 60_000 }).toBe(true);
}

const rows = (page: Page) => page.locator("table.migrations tbody tr");

test.describe.configure({ mode: "serial" });

let started: Date;
let etl4: string;
let spark1: string;

test.beforeAll(async ({ browser }) => {
  started = new Date(Date.now() - 60_000);
  const page = await browser.newPage();
  await loginAsAdmin(page);
  etl4 = await idOf(page, "etl-4");
  spark1 = await idOf(page, "spark-1");
  const web4 = await idOf(page, "web-4");
  // A live migration compute10 → compute3, a cold one compute1 → compute3 (confirmed), and a live
  // one the scheduler must refuse (web-4's anti-affinity group leaves it nowhere to go).
  await serverAction(etl4, { "os-migrateLive": { host: "compute3", block_migration: "auto" } }, "2.34");
  await serverAction(spark1, { migrate: { host: "compute3" } });
  await serverAction(web4, { "os-migrateLive": { host: null, block_migration: "auto" } }, "2.34");
  await settled(etl4, (s) => s["OS-EXT-SRV-ATTR:host"] === "compute3" && s.status === "ACTIVE" && !s["OS-EXT-STS:task_state"]);
  await settled(spark1, (s) => s.status === "VERIFY_RESIZE");
  await serverAction(spark1, { confirmResize: null }, "2.1");
  await settled(spark1, (s) => s.status === "SHUTOFF" && s["OS-EXT-SRV-ATTR:host"] === "compute3");
  await settled(web4, (s) => s.status === "ACTIVE" && !s["OS-EXT-STS:task_state"]);
  await page.close();
});

test.beforeEach(async ({ page }) => {
  await loginAsAdmin(page);
});

test("the instance page lists its migrations with their steps, and a failed one says why", async ({ page }) => {
  await page.goto(`/admin/instances/${etl4}`);
  const live = rows(page).filter({ hasText: "Live migration" }).first();
  await expect(live).toContainText("compute10 → compute3");
  await expect(live).toHaveAttribute("data-status", "completed");
  await expect(live).toContainText("Copying memory and disk");
  await expect(live).toContainText("admin");

  const web4 = await idOf(page, "web-4");
  await page.goto(`/admin/instances/${web4}`);
  const failed = rows(page).filter({ hasText: "Live migration" }).first();
  await expect(failed).toHaveAttribute("data-status", "error");
  await expect(failed.locator(".row-failure")).toContainText(/No valid host|anti-affinity/i);
});

test("the Migrations page filters by exact host: compute1 never matches compute10", async ({ page }) => {
  await page.goto("/admin/migrations");
  await expect(page.locator(`tr[data-type="live-migration"]`).first()).toBeVisible();
  await page.getByLabel("Host (source or destination)").selectOption("compute1");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/host=compute1(&|$)/);
  const hosts = await rows(page).locator("td.host").allInnerTexts();
  expect(hosts.length).toBeGreaterThan(0);
  for (const h of hosts) {
    const [from, to] = h.split("→").map((x) => x.trim());
    expect([from, to]).toContain("compute1");
  }
  // etl-4 went compute10 → compute3: not a compute1 migration.
  await expect(rows(page).filter({ hasText: "etl-4" })).toHaveCount(0);
  await page.goto("/admin/migrations?host=compute10");
  await expect(rows(page).filter({ hasText: "etl-4" })).toHaveCount(1);
});

test("status, type and time filters, and paging with Nova's markers", async ({ page }) => {
  await page.goto("/admin/migrations?type=migration");
  await expect(rows(page).filter({ hasText: "spark-1" })).toHaveCount(1);
  await expect(rows(page).filter({ hasText: "etl-4" })).toHaveCount(0);
  const types = await rows(page).evaluateAll((rs) => rs.map((r) => r.getAttribute("data-type")));
  for (const t of types) expect(t).toBe("migration");
  await page.goto("/admin/migrations?status=error");
  const statuses = await rows(page).evaluateAll((rs) => rs.map((r) => r.getAttribute("data-status")));
  expect(statuses.length).toBeGreaterThan(0);
  for (const s of statuses) expect(s).toBe("error");
  await expect(rows(page).filter({ hasText: "web-4" }).first()).toBeVisible();

  const since = started.toISOString().slice(0, 16);
  await page.goto(`/admin/migrations?since=${encodeURIComponent(since)}`);
  await expect(rows(page).filter({ hasText: "etl-4" })).toHaveCount(1);
  const future = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
  await page.goto(`/admin/migrations?since=${encodeURIComponent(future)}`);
  await expect(page.getByText("No migration matches these filters.")).toBeVisible();

  // Two a page: the next page is older and different, and "Newest" comes back.
  await page.goto("/admin/migrations?limit=2");
  await expect(rows(page)).toHaveCount(2);
  const first = await rows(page).evaluateAll((rs) => rs.map((r) => r.getAttribute("data-uuid")));
  await page.getByRole("link", { name: "Older ›" }).click();
  await expect(page).toHaveURL(/marker=/);
  await expect(page).toHaveURL(/limit=2/);
  const second = await rows(page).evaluateAll((rs) => rs.map((r) => r.getAttribute("data-uuid")));
  expect(second.length).toBeGreaterThan(0);
  for (const u of second) expect(first).not.toContain(u);
  await page.getByRole("link", { name: "« Newest" }).click();
  await expect(rows(page)).toHaveCount(2);
  expect(await rows(page).evaluateAll((rs) => rs.map((r) => r.getAttribute("data-uuid")))).toEqual(first);
});
