import assert from "node:assert/strict";
import { ERRORS } from "../../schema/errors.ts";
import { tableRows, unquote } from "../helpers/markdown.ts";

const DOC = "docs/errors.md";

function documented(): Map<string, number> {
  const byCode = new Map<string, number>();
  for (const row of tableRows(DOC, ["code", "HTTP"])) {
    const code = unquote(row.code!);
    assert.ok(!byCode.has(code), `${DOC} lists ${code} twice`);
    byCode.set(code, Number(row.HTTP));
  }
  return byCode;
}

describe("docs/errors.md", () => {
  it("documents every code of the catalogue", () => {
    const docs = documented();
    const missing = Object.keys(ERRORS).filter((code) => !docs.has(code));
    assert.deepEqual(missing, [], `codes missing from ${DOC}`);
  });

  it("documents no code the catalogue does not have", () => {
    const unknown = [...documented().keys()].filter((code) => !Object.hasOwn(ERRORS, code));
    assert.deepEqual(unknown, [], `codes in ${DOC} that schema/errors.ts does not have`);
  });

  it("gives each code the catalogue's HTTP status", () => {
    const wrong = [...documented()]
      .filter(([code]) => Object.hasOwn(ERRORS, code))
      .filter(([code, status]) => ERRORS[code as keyof typeof ERRORS].status !== status)
      .map(([code, status]) => `${code}: ${status}, catalogue ${ERRORS[code as keyof typeof ERRORS].status}`);
    assert.deepEqual(wrong, [], `statuses in ${DOC} that differ from schema/errors.ts`);
  });
});
