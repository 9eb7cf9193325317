// Direct access to the embedded cloud (not through Ferry), for checks a browser cannot make:
// what Nova actually received.
const CLOUD = process.env.FERRY_CLOUD_URL ?? "http://127.0.0.1:3374";

export async function adminToken(): Promise<string> {
  const r = await fetch(`${CLOUD}/identity/v3/auth/tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "admin", domain: { id: "default" }, password: "ferry-admin" } },
        },
        scope: { project: { name: "admin", domain: { id: "default" } } },
      },
    }),
  });
  if (r.status !== 201) throw new Error(`keystone said ${r.status}`);
  return r.headers.get("x-subject-token")!;
}

export interface RecordedRequest {
  method: string;
  path: string;
  microversion: string | null;
  body: any;
  status: number;
}

export async function actionRequests(): Promise<RecordedRequest[]> {
  const token = await adminToken();
  const r = await fetch(`${CLOUD}/_cloud/requests`, { headers: { "x-auth-token": token } });
  if (!r.ok) throw new Error(`request log: ${r.status}`);
  return (await r.json()).requests;
}

export interface Faults {
  nova?: "none" | "error500" | "unavailable503" | "slow" | "no_answer" | "drop_mid_response";
  delay_ms?: number;
  keystone_down?: boolean;
  /** The Nova fault hits only POST /servers/{id}/action. */
  actions_only?: boolean;
}

/** Sets the embedded cloud's fault injection (admin token taken before Keystone goes down). */
export async function setFaults(faults: Faults, token?: string) {
  const t = token ?? (await adminToken());
  const r = await fetch(`${CLOUD}/_cloud/faults`, {
    method: "PUT",
    headers: { "x-auth-token": t, "content-type": "application/json" },
    body: JSON.stringify({ nova: "none", delay_ms: 0, keystone_down: false, actions_only: false, ...faults }),
  });
  if (!r.ok) throw new Error(`faults: ${r.status} ${await r.text()}`);
}

/** Changes the embedded cloud's speed from now on (steps already under way keep theirs). */
export async function setSpeed(speed: number) {
  const t = await adminToken();
  const r = await fetch(`${CLOUD}/_cloud/speed`, {
    method: "PUT",
    headers: { "x-auth-token": t, "content-type": "application/json" },
    body: JSON.stringify({ speed }),
  });
  if (!r.ok) throw new Error(`speed: ${r.status} ${await r.text()}`);
}

export const TEST_SPEED = Number(process.env.FERRY_TEST_SPEED ?? "10");

/** How this instance's live migrations behave from now on (see the cloud's `MigrationBehaviour`). */
export async function setMigrationBehaviour(id: string, b: { converge?: boolean; stall?: boolean }) {
  const t = await adminToken();
  const r = await fetch(`${CLOUD}/_cloud/servers/${id}/migration-behaviour`, {
    method: "PUT",
    headers: { "x-auth-token": t, "content-type": "application/json" },
    body: JSON.stringify(b),
  });
  if (!r.ok) throw new Error(`migration behaviour: ${r.status} ${await r.text()}`);
}

/** The instance's in-progress migrations, straight from the cloud's Nova API. */
export async function serverMigrations(id: string): Promise<any[]> {
  const t = await adminToken();
  const r = await fetch(`${CLOUD}/compute/v2.1/servers/${id}/migrations`, {
    headers: { "x-auth-token": t, "openstack-api-version": "compute 2.80" },
  });
  if (!r.ok) throw new Error(`server migrations: ${r.status} ${await r.text()}`);
  return (await r.json()).migrations;
}

/** Aborts the instance's live migration straight at the cloud (test clean-up). */
export async function abortAtCloud(id: string) {
  const t = await adminToken();
  for (const m of await serverMigrations(id)) {
    await fetch(`${CLOUD}/compute/v2.1/servers/${id}/migrations/${m.id}`, {
      method: "DELETE",
      headers: { "x-auth-token": t, "openstack-api-version": "compute 2.80" },
    });
  }
}

/** `POST /servers/{id}/action` straight at the cloud's Nova (to set a scene, not to test Ferry). */
export async function serverAction(id: string, body: object, microversion = "2.56") {
  const t = await adminToken();
  const r = await fetch(`${CLOUD}/compute/v2.1/servers/${id}/action`, {
    method: "POST",
    headers: { "x-auth-token": t, "content-type": "application/json", "openstack-api-version": `compute ${microversion}` },
    body: JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`action ${JSON.stringify(body)}: ${r.status} ${await r.text()}`);
}

/** The instance as the cloud's Nova shows it (admin, 2.47). */
export async function showServer(id: string): Promise<any> {
  const t = await adminToken();
  const r = await fetch(`${CLOUD}/compute/v2.1/servers/${id}`, {
    headers: { "x-auth-token": t, "openstack-api-version": "compute 2.47" },
  });
  if (!r.ok) throw new Error(`show: ${r.status}`);
  return (await r.json()).server;
}

/** A server action straight to Nova as the cloud's admin, as an operator's CLI sends it. */
export async function novaAction(id: string, body: object, microversion = "2.1") {
  const t = await adminToken();
  const r = await fetch(`${CLOUD}/compute/v2.1/servers/${id}/action`, {
    method: "POST",
    headers: { "x-auth-token": t, "content-type": "application/json", "openstack-api-version": `compute ${microversion}` },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${JSON.stringify(body)}: ${r.status} ${await r.text()}`);
}

/** Enables a compute service straight in Nova, as the cloud's admin. */
export async function enableService(host: string) {
  const t = await adminToken();
  const h = { "x-auth-token": t, "content-type": "application/json", "openstack-api-version": "compute 2.53" };
  const list = await fetch(`${CLOUD}/compute/v2.1/os-services?binary=nova-compute&host=${host}`, { headers: h });
  const svc = (await list.json()).services[0];
  const r = await fetch(`${CLOUD}/compute/v2.1/os-services/${svc.id}`, {
    method: "PUT",
    headers: h,
    body: JSON.stringify({ status: "enabled" }),
  });
  if (!r.ok) throw new Error(`enable ${host}: ${r.status} ${await r.text()}`);
}
