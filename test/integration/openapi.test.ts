import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { http, server, type Harness } from "../helpers/server.ts";

/** The routes of ../shared/contract.md's HTTP table, plus the operational ones. */
const CONTRACT_ROUTES = [
  "post /api/rooms",
  "post /api/rooms/{room_id}/join",
  "post /api/rooms/{room_id}/leave",
  "delete /api/rooms/{room_id}",
  "get /api/rooms",
  "post /api/rooms/{room_id}/control",
  "get /api/rooms/{room_id}/playback",
  "post /api/comments",
  "get /api/comments",
  "get /api/comments/history",
  "get /api/rooms/{room_id}/members",
  "patch /api/rooms/{room_id}/members/{user_id}",
  "get /api/rooms/{room_id}/stats",
  "get /health",
  "get /health/live",
  "get /health/ready",
];

describe("OpenAPI document", () => {
  let h: Harness;
  let doc: any;
  before(async () => {
    h = await server();
    doc = (await http(h, "GET", "/api/openapi.json")).body;
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(doc.openapi, "3.1.0");
  });

  it("lists every route of the contract", () => {
    const listed = Object.entries(doc.paths).flatMap(([path, ops]: [string, any]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    for (const route of CONTRACT_ROUTES) assert.ok(listed.includes(route), `${route} is documented`);
  });

  it("documents only routes the server serves", async () => {
    for (const [path, ops] of Object.entries(doc.paths) as [string, any][]) {
      for (const method of Object.keys(ops)) {
        const url = path.replace("{room_id}", "no-such-room").replace("{user_id}", "nobody");
        if (path === "/api/docs") continue; // HTML, checked below
        if (path.startsWith("/auth/") && h.config.AUTH_MODE === "open") continue; // guest mode only
        const res = await http(
          h,
          method.toUpperCase(),
          url,
          method === "get" || method === "delete" ? undefined : {},
        );
        assert.notEqual(res.body?.error?.code, "NOT_FOUND", `${method} ${path} is served`);
        assert.equal(typeof res.body, "object", `${method} ${path} answers JSON or a page`);
      }
    }
  });

  it("describes request bodies with the schemas the routes validate with", () => {
    const create = doc.paths["/api/rooms"].post.requestBody.content["application/json"].schema;
    assert.deepEqual(create.properties.title, {
      type: "string",
      minLength: 1,
      maxLength: 120,
      pattern: "^[^\\u0000]*$",
    });
    assert.deepEqual([...create.required].sort(), [
      "anime_id",
      "anime_title",
      "episode_number",
      "title",
      "video_url",
    ]);
    const control =
      doc.paths["/api/rooms/{room_id}/control"].post.requestBody.content["application/json"].schema;
    assert.deepEqual(control.properties.action.enum, ["play", "pause", "seek"]);
  });

  it("describes the room timeline's answer (the schema its integration test parses answers with)", () => {
    const op = doc.paths["/api/rooms/{room_id}/timeline"].get;
    assert.deepEqual(op.security, [{ memberToken: [] }]);
    const timeline = op.responses["200"].content["application/json"].schema.properties.data;
    assert.deepEqual([timeline.properties.buckets.minItems, timeline.properties.buckets.maxItems], [60, 60]);
    assert.deepEqual([...timeline.properties.buckets.items.required].sort(), [
      "in_sync",
      "in_sync_share",
      "members",
      "start",
    ]);
    assert.ok(op.responses["401"] && op.responses["403"] && op.responses["404"] && op.responses["400"]);
  });

  it("has a page for people", async () => {
    const res = await http(h, "GET", "/api/docs");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.match(String(res.body), /POST<\/span> <code>\/api\/rooms\/\{room_id\}\/join<\/code>/);
  });
});
