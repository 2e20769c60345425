import assert from "node:assert/strict";
import { CONFIG_KEYS, loadConfig } from "../../src/config.ts";
import { tableRows, unquote } from "../helpers/markdown.ts";

const DOC = "docs/configuration.md";

function documented(): Map<string, string> {
  const rows = tableRows(DOC, ["variable", "default", "meaning"]);
  const byKey = new Map<string, string>();
  for (const row of rows) {
    const key = unquote(row.variable!);
    assert.ok(!byKey.has(key), `${DOC} lists ${key} twice`);
    byKey.set(key, row.default!);
  }
  return byKey;
}

describe("docs/configuration.md", () => {
  it("documents every setting of the schema", () => {
    const docs = documented();
    const missing = CONFIG_KEYS.filter((k) => !docs.has(k));
    assert.deepEqual(missing, [], `settings missing from ${DOC}`);
  });

  it("documents no setting the schema does not have", () => {
    const known = new Set<string>(CONFIG_KEYS);
    const unknown = [...documented().keys()].filter((k) => !known.has(k));
    assert.deepEqual(unknown, [], `settings in ${DOC} that src/config.ts does not read`);
  });

  it("gives each setting the default the code produces", () => {
    const defaults = loadConfig({});
    for (const [key, cell] of documented()) {
      if (!(CONFIG_KEYS as string[]).includes(key)) continue;
      const actual = defaults[key as keyof typeof defaults];
      if (cell === "unset" || cell === "generated") {
        const empty = actual === undefined || (Array.isArray(actual) && actual.length === 0);
        assert.ok(empty, `${key}: documented as ${cell}, but the code defaults to ${JSON.stringify(actual)}`);
        continue;
      }
      assert.match(cell, /^`[^`]+`$/, `${key}: default must be \`value\`, unset or generated`);
      const asDocumented = loadConfig({ [key]: unquote(cell) })[key as keyof typeof defaults];
      assert.deepEqual(
        asDocumented,
        actual,
        `${key}: documented default ${cell}, but the code defaults to ${JSON.stringify(actual)}`,
      );
    }
  });
});
