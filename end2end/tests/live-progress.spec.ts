import { expect, Page, test } from "@playwright/test";
import { abortAtCloud, setMigrationBehaviour, setSpeed, TEST_SPEED } from "./cloud";
import { hydrated, login, loginAsAdmin, MEMBER, OPERATOR } from "./helpers";

// Live migrations in flight, on the instance list: the Task cell's phase and bar, the
// "not converging" flag, and Abort / Force Complete from the row's More menu. The server runs
// with FERRY_NOT_CONVERGING_SECONDS=5 (scripts/test), so the flag comes within seconds.

function row(page: Page, name: string) {
  return page.locator("table.instances tbody tr", {
    has: page.locator("td.name a", { hasText: new RegExp(`^${name}$`) }),
  });
}

async function openList(page: Page, name: string, base = "/admin/instances") {
  await page.goto(`${base}?name=${encodeURIComponent(`^${name}$`)}`);
  await hydrated(page);
  await expect(row(page, name)).toHaveCount(1);
  return (await row(page, name).getAttribute("data-id"))!;
}

async function menuEntry(page: Page, name: string, entry: string) {
  await row(page, name).getByRole("button", { name: /More actions/ }).click();
  await row(page, name).getByRole("menuitem", { name: entry, exact: true }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
}

async function liveMigrate(page: Page, name: string) {
  await menuEntry(page, name, "Live Migrate");
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: "Live Migrate" }).click();
  await expect(dialog).toBeHidden();
}

const task = (page: Page, name: string) => row(page, name).locator(".task-progress");
const bar = async (page: Page, name: string) =>
  Number((await task(page, name).locator("progress").getAttribute("value", { timeout: 2_000 })) ?? "-1");

test.beforeEach(async ({ page }) => {
  await loginAsAdmin(page);
});

test("a slow live migration shows a bar that grows and the time left, then Active on the new host", async ({ page }) => {
  // batch-3 has 16 GiB of RAM: at a quarter of the suite's speed, ~20 s of copying with the
  // record updated every ~1.2 s.
  await setSpeed(TEST_SPEED / 4);
  try {
    await openList(page, "batch-3");
    await liveMigrate(page, "batch-3");
    await expect(task(page, "batch-3").locator("progress")).toBeVisible({ timeout: 20_000 });
    const first = await bar(page, "batch-3");
    await expect.poll(() => bar(page, "batch-3"), { timeout: 30_000 }).toBeGreaterThan(first);
    await expect(task(page, "batch-3")).toContainText("Copying");
    await expect(task(page, "batch-3").locator(".hint")).toContainText(/\/s · about .* left/, { timeout: 20_000 });
    // Never backwards, even while pages are re-copied.
    let last = await bar(page, "batch-3");
    for (let i = 0; i < 5; i++) {
      await page.waitForTimeout(700);
      const now = await bar(page, "batch-3").catch(() => 101);
      if (now === -1 || now === 101) break;
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  } finally {
    await setSpeed(TEST_SPEED);
  }
  await expect(row(page, "batch-3").locator("td.status")).toContainText("Active", { timeout: 60_000 });
  await expect(row(page, "batch-3").locator("td.host")).not.toHaveText("compute2");
  await expect(task(page, "batch-3")).toHaveCount(0);
});

test("a live migration that does not converge is flagged, and Abort returns it to its source as Active", async ({ page }) => {
  const id = await openList(page, "batch-4");
  await setMigrationBehaviour(id, { converge: false });
  await liveMigrate(page, "batch-4");
  const flag = task(page, "batch-4").locator(".flag");
  await expect(flag).toContainText("Not converging", { timeout: 40_000 });
  await expect(flag).toContainText("Force complete pauses the instance");
  await expect(flag).toContainText("Abort keeps it running on compute2");

  await menuEntry(page, "batch-4", "Abort Live Migration");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("stays Active on compute2");
  await dialog.getByRole("button", { name: "Abort migration" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator(".toast.good", { hasText: "Abort sent" })).toContainText("stays Active on compute2");
  await expect(row(page, "batch-4").locator("td.status")).toContainText("Active", { timeout: 30_000 });
  await expect(row(page, "batch-4").locator("td.host")).toHaveText("compute2");
  await expect(task(page, "batch-4")).toHaveCount(0);
  await setMigrationBehaviour(id, { converge: true });
});

test("Force Complete from the row's menu finishes a migration that would not", async ({ page }) => {
  const id = await openList(page, "batch-5");
  await setMigrationBehaviour(id, { converge: false });
  await liveMigrate(page, "batch-5");
  await expect(task(page, "batch-5")).toContainText("Copying", { timeout: 30_000 });
  await menuEntry(page, "batch-5", "Force Complete Live Migration");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("pauses batch-5");
  await dialog.getByRole("button", { name: "Force complete" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator(".toast.good", { hasText: "Force complete sent" })).toContainText("pauses batch-5");
  await expect(row(page, "batch-5").locator("td.status")).toContainText("Active", { timeout: 30_000 });
  await expect(row(page, "batch-5").locator("td.host")).not.toHaveText("compute3");
  await setMigrationBehaviour(id, { converge: true });
});

test("a project manager may abort (Nova 34's policy); a member is offered nothing and refused by policy", async ({ page, browser }) => {
  // A migration of the web project's web-db-1 that runs until the test ends it.
  const id = await openList(page, "web-db-1");
  await setMigrationBehaviour(id, { converge: false });
  await liveMigrate(page, "web-db-1");
  await expect(task(page, "web-db-1")).toContainText("Copying", { timeout: 30_000 });
  try {
    // Nova 34 gives servers:migrations:index/delete/force_complete to PROJECT_MANAGER_OR_ADMIN.
    const ctx = await browser.newContext();
    const operator = await ctx.newPage();
    await login(operator, OPERATOR);
    await operator.waitForURL(/\/project\/instances/);
    await openList(operator, "web-db-1", "/project/instances");
    await expect(task(operator, "web-db-1")).toContainText("Copying");
    await row(operator, "web-db-1").getByRole("button", { name: /More actions/ }).click();
    await expect(row(operator, "web-db-1").getByRole("menuitem", { name: "Abort Live Migration" })).toBeVisible();
    await ctx.close();

    const memberCtx = await browser.newContext();
    const member = await memberCtx.newPage();
    await login(member, MEMBER);
    await expect(member.getByText("Welcome, member")).toBeVisible();
    await member.goto("/project/instances");
    await expect(member.getByRole("button", { name: /More actions/ })).toHaveCount(0);
    for (const [force, policy] of [
      ["false", "os_compute_api:servers:migrations:delete"],
      ["true", "os_compute_api:servers:migrations:force_complete"],
    ]) {
      const r = await member.request.post("/api/live_migration_control", { form: { id, migration: "1", force } });
      expect(r.status()).toBe(403);
      expect(await r.text()).toContain(policy);
    }
    await memberCtx.close();
  } finally {
    await abortAtCloud(id);
    await setMigrationBehaviour(id, { converge: true });
  }
  await expect(row(page, "web-db-1").locator("td.status")).toContainText("Active", { timeout: 30_000 });
});
