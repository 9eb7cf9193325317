import { expect, test } from "@playwright/test";
import { column, COL, expectColumn, hydrated, loginAsAdmin } from "./helpers";

test.beforeEach(async ({ page }) => {
  await loginAsAdmin(page);
  await hydrated(page);
});

test("the list shows every project's instances with hosts and task states", async ({ page }) => {
  const headers = await page.locator("table.instances thead th").allInnerTexts();
  for (const h of ["Name", "Project", "Host", "IP addresses", "Flavor", "Status", "Task", "Power state", "Age"]) {
    expect(headers.join("|")).toContain(h);
  }
  const projects = new Set(await column(page, COL.project));
  for (const p of ["web", "analytics", "batch"]) expect(projects).toContain(p);
  const hosts = await column(page, COL.host);
  expect(hosts.some((h) => /^compute\d+$/.test(h.trim()))).toBe(true);
  const statuses = await column(page, COL.status);
  expect(statuses.some((s) => s.includes("Verify Resize/Migrate"))).toBe(true);
  expect(statuses.some((s) => s.includes("Shutoff"))).toBe(true);
  expect(statuses.some((s) => s.includes("Paused"))).toBe(true);
  expect(statuses.some((s) => s.includes("Error"))).toBe(true);
  const tasks = await column(page, COL.task);
  expect(tasks.every((t) => t.trim().length > 0)).toBe(true);
  // The VERIFY_RESIZE row asks for the operator.
  await expect(page.locator('tr[data-status="VERIFY_RESIZE"] .action-required').first()).toBeVisible();
});

test("the hostile instance name shows as text", async ({ page }) => {
  await page.getByLabel("Name").fill("caf");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/name=caf/);
  const cell = page.locator("table.instances tbody td.name a").first();
  await expect(cell).toContainText("<b>");
  await expect(cell).toContainText("café");
  await expect(page.locator("table.instances tbody td.name b")).toHaveCount(0);
});

test("the host filter is exact: compute1 does not match compute10", async ({ page }) => {
  await page.getByLabel("Host").selectOption("compute1");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/host=compute1(&|$)/);
  await expectColumn(page, COL.host, (h) => h.trim() === "compute1");

  await page.getByLabel("Host").selectOption("compute10");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/host=compute10/);
  await expectColumn(page, COL.host, (h) => h.trim() === "compute10");
});

test("the project filter", async ({ page }) => {
  await page.getByLabel("Project").selectOption({ label: "batch" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/project=/);
  await expectColumn(page, COL.project, (p) => p.trim() === "batch");
});

test("the status filter, migration states included", async ({ page }) => {
  for (const [value, label] of [
    ["SHUTOFF", "Shutoff"],
    ["VERIFY_RESIZE", "Verify Resize/Migrate"],
    ["ERROR", "Error"],
  ]) {
    await page.getByLabel("Status").selectOption(value);
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(new RegExp(`status=${value}`));
    await expectColumn(page, COL.status, (s) => s.includes(label));
  }
});

test("the needs-attention filter shows exactly what waits for the operator", async ({ page }) => {
  await page.getByLabel("Needs attention").check();
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/attention=1/);
  await expectColumn(page, COL.status, (s) => /Verify Resize\/Migrate|Error/.test(s));
});

test("the name filter, and an empty result says so", async ({ page }) => {
  await page.getByLabel("Name").fill("no-such-instance-xyz");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByText("No instance matches these filters.")).toBeVisible();
});

test("paging with Nova markers: next, previous, first", async ({ page }) => {
  await page.getByLabel("Per page").selectOption("20");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/limit=20/);
  await expect.poll(async () => (await column(page, COL.name)).length).toBe(20);
  const first = await column(page, COL.name);

  await page.getByRole("link", { name: "Next ›" }).click();
  await expect(page).toHaveURL(/marker=/);
  await expect
    .poll(async () => {
      const names = await column(page, COL.name);
      return names.length > 0 && names.every((n) => !first.includes(n));
    })
    .toBe(true);
  const second = await column(page, COL.name);

  await page.getByRole("link", { name: "‹ Previous" }).click();
  await expect.poll(() => column(page, COL.name)).toEqual(first);

  await page.getByRole("link", { name: "Next ›" }).click();
  await expect.poll(() => column(page, COL.name)).toEqual(second);
  await page.getByRole("link", { name: "« First" }).click();
  await expect.poll(() => column(page, COL.name)).toEqual(first);
});

test("sorting by name", async ({ page }) => {
  await page.locator("thead").getByRole("link", { name: "Name" }).click();
  await expect(page).toHaveURL(/sort=name/);
  await expect
    .poll(async () => {
      const names = await column(page, COL.name);
      const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return names.length > 0 && names.join("|") === sorted.join("|");
    })
    .toBe(true);
});

test("the detail page shows the instance and its action log", async ({ page }) => {
  await page.getByLabel("Status").selectOption("VERIFY_RESIZE");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/status=VERIFY_RESIZE/);
  await page.locator("table.instances tbody td.name a").first().click();
  await expect(page).toHaveURL(/\/admin\/instances\/[0-9a-f-]+$/);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  await expect(page.locator("dl.fields")).toContainText("Host");
  await expect(page.locator("table.actions")).toContainText("migrate");
});
