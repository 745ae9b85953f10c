// Real calls through a client generated from /openapi/v1.json (openapi-typescript + openapi-fetch).
// Type-checked by .ci/formats-check: if the document loses a path parameter, a schema or an
// optional field, this stops compiling. Never run; tsc is the test.
import createClient from "openapi-fetch";
import type { paths, components } from "./api.js";

type Entry = components["schemas"]["EntryDto"];
type Problem = components["schemas"]["Problem"];

export async function calls(baseUrl: string, token: string): Promise<string[]> {
  const api = createClient<paths>({ baseUrl });
  const out: string[] = [];
  const headers = { Authorization: `Bearer ${token}` };

  const login = await api.POST("/api/v1/auth/login", { body: { login: "demo-manager", password: "ledger-demo-2026" } });
  if (login.data) out.push(login.data.token, login.data.expiresAt);
  if (login.error) { const p: Problem = login.error; out.push(p.code); }

  const entry = await api.GET("/api/v1/communities/{c}/entries/{seq}", { params: { path: { c: "demo", seq: 1 } }, headers });
  if (entry.data) {
    const e: Entry = entry.data;
    const reverses: number | undefined = e.reverses;          // optional: left out, never null
    const debit: number | undefined = e.lines[0]?.debit;
    out.push(e.chainHash, e.entryHash, String(reverses ?? ""), String(debit ?? ""));
  }
  if (entry.error) out.push(entry.error.code);

  const posted = await api.POST("/api/v1/communities/{c}/entries", {
    params: { path: { c: "demo" }, header: { "Idempotency-Key": "client-check-1" } },
    body: { date: "2026-11-20", memo: "保洁", fund: "common", lines: [{ account: "6103", debit: 1000 }, { account: "2202", credit: 1000 }] },
    headers,
  });
  if (posted.data) out.push(String(posted.data.seq));
  if (posted.error) out.push(posted.error.code, JSON.stringify(posted.error.errors ?? {}));

  const tb = await api.GET("/api/v1/communities/{c}/trial-balance", { params: { path: { c: "demo" }, query: { month: "2026-10" } }, headers });
  if (tb.data) out.push(String(tb.data.totalDebit - tb.data.totalCredit));

  const ballot = await api.POST("/api/v1/communities/{c}/motions/{id}/ballots", { params: { path: { c: "demo", id: 1 } }, body: { choice: "yes" }, headers });
  if (ballot.data) out.push(ballot.data.receipt);

  const spending = await api.GET("/api/v1/communities/{c}/spending-requests", { params: { path: { c: "demo" } }, headers });
  for (const r of spending.data?.items ?? []) out.push(`${r.id} ${r.status} ${r.amount}`);

  const arrears = await api.GET("/api/v1/communities/{c}/arrears", { params: { path: { c: "demo" } }, headers });
  for (const b of arrears.data?.buckets ?? []) out.push(`${b.bucket} ${b.amount}`);

  const feed = await api.GET("/p/{c}/journal", { params: { path: { c: "demo" }, query: { limit: 10 } } });
  for (const item of feed.data?.items ?? []) out.push(item.chainHash);

  // @ts-expect-error: a community route needs its {c}
  await api.GET("/api/v1/communities/{c}/entries/{seq}", { params: { path: { seq: 1 } }, headers });
  // @ts-expect-error: money is an integer number of fen, not a string
  await api.POST("/api/v1/communities/{c}/payments", { params: { path: { c: "demo" } }, body: { unitId: 1, amount: "12.00", paidAt: "2026-11-20", channel: "bank", externalRef: "x" }, headers });
  return out;
}
