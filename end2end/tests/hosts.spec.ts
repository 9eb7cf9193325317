import AxeBuilder from "@axe-core/playwright";
import { expect, Page, test } from "@playwright/test";
import { actionRequests } from "./cloud";
import { ADMIN, loginAsAdmin } from "./helpers";

function row(page: Page, host: string) {
  return page.locator(`table.compute-hosts tbody tr[data-host="${host}"]`);
}

async function openHosts(page: Page, query = "") {
  await page.goto(`/admin/hosts${query}`);
  await expect(row(page, "compute1")).toBeVisible();
}

/** The PUT /os-services/{id} requests the embedded cloud received. */
async function serviceUpdates() {
  return (await actionRequests()).filter((r) => r.method === "PUT" && r.path.includes("/os-services/"));
}

test.describe("with JavaScript", () => {
  test.beforeEach(async ({ page }) => {
    await loginAsAdmin(page);
  });

  test("every compute host, exact instance counts, bare metal apart", async ({ page }) => {
    await page.getByRole("link", { name: "Compute hosts" }).click();
    await expect(page).toHaveURL(/\/admin\/hosts$/);
    await expect(row(page, "compute10")).toContainText("az2");
    await expect(row(page, "compute4")).toHaveAttribute("data-status", "disabled");
    await expect(row(page, "compute4").locator("td.status")).toContainText("DIMM replacement");
    await expect(row(page, "compute11")).toHaveAttribute("data-state", "down");
    await expect(row(page, "ironic-conductor1")).toHaveCount(0);
    await expect(page.locator("section.bare-metal")).toContainText("Bare metal (Ironic) nodes");
    await expect(page.locator("section.bare-metal")).toContainText("ironic-node-1");
    // The count links to the instance list filtered by exactly that host, with as many rows.
    const count = Number((await row(page, "compute1").locator("td.instances a").innerText()).trim());
    expect(count).toBeGreaterThan(0);
    await row(page, "compute1").locator("td.instances a").click();
    await expect(page).toHaveURL(/\/admin\/instances\?host=compute1$/);
    await expect(page.locator("table.instances tbody tr")).toHaveCount(count);
    for (const host of await page.locator("table.instances tbody td.host").allInnerTexts()) {
      expect(host.trim()).toBe("compute1");
    }
  });

  test("disable compute10 with a reason, then enable it; a double click sends once", async ({ page }) => {
    await openHosts(page);
    const before = (await serviceUpdates()).length;
    await row(page, "compute10").getByRole("link", { name: "Disable…" }).click();
    await row(page, "compute10").getByLabel(/Why/).fill("e2e: firmware update");
    await row(page, "compute10").getByRole("button", { name: "Disable compute10" }).dblclick();
    await expect(row(page, "compute10")).toHaveAttribute("data-status", "disabled");
    await expect(row(page, "compute10").locator("td.status")).toContainText("e2e: firmware update");
    await row(page, "compute10").getByRole("link", { name: "Enable…" }).click();
    await row(page, "compute10").getByRole("button", { name: "Enable compute10" }).click();
    await expect(row(page, "compute10")).toHaveAttribute("data-status", "enabled");
    await expect(row(page, "compute10").locator("td.status")).not.toContainText("firmware");
    const sent = (await serviceUpdates()).slice(before);
    expect(sent.map((r) => r.body)).toEqual([
      { status: "disabled", disabled_reason: "e2e: firmware update" },
      { status: "enabled" },
    ]);
    expect(sent.map((r) => r.status)).toEqual([200, 200]);
  });

  test("the instance list filters by availability zone", async ({ page }) => {
    await page.goto("/admin/instances");
    await page.getByLabel("Zone").selectOption("az2");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect(page).toHaveURL(/zone=az2/);
    await expect(page.locator("table.instances tbody tr").first()).toBeVisible();
    for (const host of await page.locator("table.instances tbody td.host").allInnerTexts()) {
      expect(["compute10", "compute11"]).toContain(host.trim());
    }
  });

  test("axe-core finds no violations on the page and in a confirmation", async ({ page }) => {
    await openHosts(page);
    const scan = async (what: string) => {
      const results = await new AxeBuilder({ page }).analyze();
      expect(results.violations.map((v) => `${what}: ${v.id}: ${v.help}`)).toEqual([]);
    };
    await scan("hosts");
    await row(page, "compute1").getByRole("link", { name: "Disable…" }).click();
    await expect(row(page, "compute1").getByLabel(/Why/)).toBeVisible();
    await scan("disable confirmation");
    await row(page, "compute1").getByRole("link", { name: "Cancel" }).click();
    await expect(row(page, "compute1").getByLabel(/Why/)).toHaveCount(0);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("filters by zone and state with plain forms", async ({ page }) => {
    const login = await page.request.post("/api/login", {
      form: { user: ADMIN.user, password: ADMIN.password, project: ADMIN.project, domain: "Default", next: "/admin/hosts" },
      maxRedirects: 0,
    });
    expect([200, 302, 303]).toContain(login.status());
    await openHosts(page);
    await page.getByLabel("Zone").selectOption("az2");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect(page).toHaveURL(/zone=az2/);
    await expect(page.locator("table.compute-hosts tbody tr")).toHaveCount(2);
    await page.getByLabel("State").selectOption("down");
    await page.getByRole("button", { name: "Filter", exact: true }).click();
    await expect(page.locator("table.compute-hosts tbody tr")).toHaveCount(1);
    await expect(row(page, "compute11")).toBeVisible();
  });
});
