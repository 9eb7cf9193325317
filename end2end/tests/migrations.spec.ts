import AxeBuilder from "@axe-core/playwright";
import { expect, Page, test } from "@playwright/test";
import { actionRequests, setSpeed, TEST_SPEED } from "./cloud";
import { hydrated, loginAsAdmin } from "./helpers";

function row(page: Page, name: string) {
  return page.locator("table.instances tbody tr", {
    has: page.locator("td.name a", { hasText: new RegExp(`^${name}$`) }),
  });
}

async function openList(page: Page, name: string) {
  await page.goto(`/admin/instances?name=${encodeURIComponent(`^${name}$`)}`);
  await hydrated(page);
  await expect(row(page, name)).toHaveCount(1);
}

async function openMenuEntry(page: Page, name: string, entry: string) {
  await row(page, name).getByRole("button", { name: /More actions/ }).click();
  await row(page, name).getByRole("menuitem", { name: entry, exact: true }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
}

const host = (page: Page, name: string) => row(page, name).locator("td.host");
const status = (page: Page, name: string) => row(page, name).locator("td.status");

test.beforeEach(async ({ page }) => {
  await loginAsAdmin(page);
});

test("live migrate with the scheduler choosing: the row moves by itself", async ({ page }) => {
  await openList(page, "app-1");
  await expect(host(page, "app-1")).toHaveText("compute1");
  await openMenuEntry(page, "app-1", "Live Migrate");
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByLabel("Let the scheduler choose")).toBeChecked();
  await expect(dialog.locator("table.hosts")).toBeVisible();
  await dialog.getByRole("button", { name: "Live Migrate" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator(".toast.good")).toContainText("Live migration of app-1");
  await expect(status(page, "app-1")).toContainText("Migrating", { timeout: 10_000 });
  await expect(status(page, "app-1")).toContainText("Active", { timeout: 30_000 });
  await expect(host(page, "app-1")).not.toHaveText("compute1");
});

test("live migrate to a chosen host; current, disabled, down and bare-metal hosts cannot be chosen", async ({ page }) => {
  await openList(page, "app-2");
  await openMenuEntry(page, "app-2", "Live Migrate");
  const dialog = page.getByRole("dialog");
  const hosts = dialog.locator("table.hosts tbody tr");
  await expect(hosts.first()).toBeVisible();
  const names = await hosts.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-host")));
  expect(names).not.toContain("ironic-conductor1");
  await expect(dialog.locator('tr[data-host="compute2"]')).toHaveClass(/unavailable/);
  await expect(dialog.locator('tr[data-host="compute2"]')).toContainText("Current host");
  await expect(dialog.locator('tr[data-host="compute4"]')).toContainText("DIMM replacement");
  await expect(dialog.locator('tr[data-host="compute4"] input')).toBeDisabled();
  await expect(dialog.locator('tr[data-host="compute11"]')).toContainText("down");
  await expect(dialog.locator('tr[data-host="compute11"] input')).toBeDisabled();
  await dialog.getByLabel("Filter hosts").fill("compute1");
  await expect(dialog.locator('tr[data-host="compute3"]')).toBeHidden();
  await dialog.getByLabel("Filter hosts").fill("");
  await dialog.locator('tr[data-host="compute3"] input').check();
  await dialog.getByRole("button", { name: "Live Migrate" }).click();
  await expect(dialog).toBeHidden();
  await expect(host(page, "app-2")).toHaveText("compute3", { timeout: 30_000 });
  await expect(status(page, "app-2")).toContainText("Active");
});

test("anti-affinity: the hosts are marked, and the scheduler's failure is explained", async ({ page }) => {
  await openList(page, "web-1");
  await openMenuEntry(page, "web-1", "Live Migrate");
  const dialog = page.getByRole("dialog");
  await expect(dialog.locator('tr[data-host="compute2"] td.notes')).toContainText("web-2");
  await expect(dialog.locator('tr[data-host="compute2"] td.notes')).toContainText("anti-affinity group web");
  await expect(dialog.locator('tr[data-host="compute3"] td.notes')).toContainText("web-3");
  await dialog.getByRole("button", { name: "Live Migrate" }).click();
  await expect(dialog).toBeHidden();
  const failure = page.locator(".toast.bad");
  await expect(failure).toContainText("stayed on compute1", { timeout: 30_000 });
  await expect(failure).toContainText("No valid host");
  await expect(failure).toContainText("anti-affinity group web");
  await expect(row(page, "web-1").locator(".row-failure")).toContainText("stayed on compute1");
  await expect(status(page, "web-1")).toContainText("Active");
  await expect(host(page, "web-1")).toHaveText("compute1");
});

test("cold migrate, Verify Resize, confirm: active on the new host", async ({ page }) => {
  await openList(page, "etl-1");
  await openMenuEntry(page, "etl-1", "Migrate");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("waits in Verify Resize");
  await dialog.getByRole("button", { name: "Migrate" }).click();
  await expect(dialog).toBeHidden();
  await expect(status(page, "etl-1")).toContainText("Verify Resize/Migrate", { timeout: 40_000 });
  const confirm = row(page, "etl-1").getByRole("button", { name: "Confirm" });
  await expect(confirm).toBeEnabled();
  const newHost = (await host(page, "etl-1").innerText()).trim();
  expect(newHost).not.toBe("compute1");
  await confirm.click();
  await expect(status(page, "etl-1")).toContainText("Active", { timeout: 20_000 });
  await expect(host(page, "etl-1")).toHaveText(newHost);
  await expect(row(page, "etl-1").getByRole("button", { name: "Confirm" })).toHaveCount(0);
});

test("Confirm and Revert are disabled while Nova is confirming", async ({ page }) => {
  await openList(page, "etl-3");
  await openMenuEntry(page, "etl-3", "Migrate");
  await page.getByRole("dialog").getByRole("button", { name: "Migrate" }).click();
  await expect(status(page, "etl-3")).toContainText("Verify Resize/Migrate", { timeout: 40_000 });
  // Slow the cloud so the confirm takes a few seconds. Nova shows it only on the migration
  // record (status "confirming"); the instance still reads VERIFY_RESIZE with no task.
  await setSpeed(0.5);
  try {
    const confirm = row(page, "etl-3").getByRole("button", { name: /Confirm/ });
    await confirm.click();
    await expect(confirm).toBeDisabled();
    // A fresh load (or another operator's page) knows it too, from os-migrations.
    await page.reload();
    await hydrated(page);
    await expect(status(page, "etl-3")).toContainText("Verify Resize/Migrate");
    const again = row(page, "etl-3").getByRole("button", { name: /Confirm/ });
    await expect(again).toBeDisabled();
    await expect(again).toHaveAttribute("title", /already confirming/);
    await row(page, "etl-3").getByRole("button", { name: /More actions/ }).click();
    const menu = row(page, "etl-3").getByRole("menu");
    await expect(menu.getByRole("menuitem", { name: /Confirm Resize\/Migrate/ })).toHaveAttribute("aria-disabled", "true");
    await expect(menu.getByRole("menuitem", { name: /Revert Resize\/Migrate/ })).toHaveAttribute("aria-disabled", "true");
    await page.keyboard.press("Escape");
    // The row's updates wait while its menu is open: it must be closed for Active to show.
    await expect(menu).toBeHidden();
  } finally {
    await setSpeed(TEST_SPEED);
  }
  await expect(status(page, "etl-3")).toContainText("Active", { timeout: 30_000 });
});

test("cold migrate, then revert: back on the source host", async ({ page }) => {
  await openList(page, "etl-2");
  await openMenuEntry(page, "etl-2", "Migrate");
  await page.getByRole("dialog").getByRole("button", { name: "Migrate" }).click();
  await expect(status(page, "etl-2")).toContainText("Verify Resize/Migrate", { timeout: 40_000 });
  await openMenuEntry(page, "etl-2", "Revert Resize/Migrate");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("moves etl-2 back to compute2");
  await dialog.getByRole("button", { name: "Revert" }).click();
  await expect(dialog).toBeHidden();
  await expect(status(page, "etl-2")).toContainText("Active", { timeout: 30_000 });
  await expect(host(page, "etl-2")).toHaveText("compute2");
});

test("the More menu and the dialog work from the keyboard alone", async ({ page }) => {
  await openList(page, "web-paused-1");
  const button = row(page, "web-paused-1").getByRole("button", { name: /More actions/ });
  await button.focus();
  await page.keyboard.press("Enter");
  const menu = row(page, "web-paused-1").getByRole("menu");
  await expect(menu).toBeVisible();
  await expect(button).toHaveAttribute("aria-expanded", "true");
  await expect(menu.getByRole("menuitem", { name: "Live Migrate" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await expect(button).toBeFocused();
  // Escape closes it with focus still on the button too (focus enters the menu a frame late).
  await button.click();
  await expect(menu.getByRole("menuitem", { name: "Live Migrate" })).toBeFocused();
  await button.focus();
  await page.keyboard.press("Escape");
  await expect(menu).toBeHidden();
  await page.keyboard.press("ArrowDown");
  await expect(menu.getByRole("menuitem", { name: "Live Migrate" })).toBeFocused();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Let the scheduler choose")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(button).toBeFocused();
});

test("axe-core finds no violations on the list and in each dialog", async ({ page }) => {
  await openList(page, "app-3");
  const scan = async (what: string) => {
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations.map((v) => `${what}: ${v.id}: ${v.help}`)).toEqual([]);
  };
  await page.goto("/admin/instances");
  await hydrated(page);
  await scan("list");
  await openMenuEntry(page, "app-3", "Live Migrate");
  await expect(page.getByRole("dialog").locator("table.hosts")).toBeVisible();
  await scan("live migrate dialog");
  await page.keyboard.press("Escape");
  await openMenuEntry(page, "app-3", "Migrate");
  await expect(page.getByRole("dialog").locator("table.hosts")).toBeVisible();
  await scan("migrate dialog");
  await page.keyboard.press("Escape");
  await page.goto("/admin/instances?status=VERIFY_RESIZE");
  await hydrated(page);
  await openMenuEntry(page, "web-resized-1", "Revert Resize/Migrate");
  await expect(page.getByRole("dialog")).toContainText("back to");
  await scan("revert dialog");
});

test("a double click migrates once", async ({ page }) => {
  await openList(page, "app-3");
  const id = await row(page, "app-3").getAttribute("data-id");
  const before = (await actionRequests()).filter((r) => r.path.includes(id!)).length;
  await openMenuEntry(page, "app-3", "Live Migrate");
  await page.getByRole("dialog").getByRole("button", { name: "Live Migrate" }).dblclick();
  await expect(page.getByRole("dialog")).toBeHidden();
  await expect(status(page, "app-3")).toContainText("Active", { timeout: 30_000 });
  const after = (await actionRequests()).filter((r) => r.path.includes(id!));
  expect(after.length - before).toBe(1);
});

test("Nova received block_migration \"auto\" and never force", async () => {
  const lives = (await actionRequests()).filter((r) => r.body && "os-migrateLive" in r.body);
  expect(lives.length).toBeGreaterThan(0);
  for (const r of lives) {
    expect(r.body["os-migrateLive"].block_migration).toBe("auto");
    expect("force" in r.body["os-migrateLive"]).toBe(false);
    expect("disk_over_commit" in r.body["os-migrateLive"]).toBe(false);
  }
});
