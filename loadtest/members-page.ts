/**
 * What one page of `GET /api/rooms/:id/members` costs the event loop in a premiere-sized room:
 * members-page.ts over N members (random user ids), per page size, the mean of 50 pages.
 *
 *   node loadtest/members-page.ts                  # 10,000 members
 *   node loadtest/members-page.ts --members 20000
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Member } from "../schema/state.ts";
import { membersPage } from "../src/rooms/members-page.ts";

const { values: args } = parseArgs({ options: { members: { type: "string", default: "10000" } } });
const all: Member[] = [];
for (let i = 0; i < Number(args.members); i++) {
  const m = new Member();
  m.user_id = `u-${Math.random().toString(36).slice(2)}`;
  m.username = `Member ${i}`;
  m.connected = i % 10 !== 0;
  all.push(m);
}
const middle = [...all].map((m) => m.user_id).sort()[all.length >> 1];
for (const [label, query] of [
  ["counts only (limit 0)", { limit: 0 }],
  ["first page of 200", { limit: 200 }],
  ["first page of 1,000", { limit: 1000 }],
  ["a page of 1,000 from the middle", { limit: 1000, after: middle }],
] as const) {
  for (let i = 0; i < 10; i++) membersPage(all, query); // warm
  const started = performance.now();
  for (let i = 0; i < 50; i++) membersPage(all, query);
  console.log(
    `${all.length} members, ${label}: ${((performance.now() - started) / 50).toFixed(2)} ms per page`,
  );
}
