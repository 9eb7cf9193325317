// Waits until Ferry answers, so no test races the server's start.
export default async function globalSetup() {
  const base = process.env.FERRY_URL ?? "http://127.0.0.1:3300";
  const deadline = Date.now() + 120_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Ferry did not come up at ${base}: ${last}`);
}
