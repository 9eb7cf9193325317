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
