import { chromium } from "@playwright/test";
const URL = process.env.U ?? "http://127.0.0.1:3320";
const HOST = process.env.H ?? "compute-1";
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless","--no-sandbox","--disable-gpu","--disable-quic","--no-first-run","--disable-background-networking","--disable-component-update","--disable-sync"] });
const page = await b.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(URL + "/login");
await page.waitForTimeout(1500);
await page.getByLabel("User name").fill("admin");
await page.getByLabel("Password").fill("admin");
await page.getByLabel("Project").fill("admin");
await page.getByRole("button", { name: "Log in" }).click();
await page.waitForURL(/admin\/instances/);
await page.goto(URL + "/admin/hosts");
await page.screenshot({ path: "/tmp/realdrain/hosts.png", fullPage: true });
await page.goto(URL + `/admin/hosts/${HOST}/drain`);
await page.screenshot({ path: "/tmp/realdrain/plan.png", fullPage: true });
if (process.env.START) {
  await page.getByLabel(/Why \(required/).fill("Firmware update on real Nova, OPS-42");
  const t0 = Date.now();
  await page.getByRole("button", { name: `Start draining ${HOST}` }).click();
  let shot = 0;
  for (;;) {
    await page.waitForTimeout(3000);
    await page.reload();
    const st = await page.locator(".drain-job").getAttribute("data-state");
    if (shot++ === 2) await page.screenshot({ path: "/tmp/realdrain/running.png", fullPage: true });
    console.log(((Date.now()-t0)/1000).toFixed(1), st);
    if (st !== "running" && st !== "planned") break;
  }
  await page.screenshot({ path: "/tmp/realdrain/ended.png", fullPage: true });
  console.log(await page.locator(".drain-job").innerText());
}
await b.close();
