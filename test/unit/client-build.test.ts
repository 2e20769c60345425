import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { CLIENT_DIR, PRIVATE_MEMBERS } from "../../scripts/build-client.ts";

/** Every use of a name in the sources that go into the client's build, by the kind of syntax it is in. */
function usesOf(names: ReadonlySet<string>): { where: string; name: string; kind: string }[] {
  const files = readdirSync(CLIENT_DIR)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(CLIENT_DIR, f))
    .concat(path.resolve(CLIENT_DIR, "../schema/protocol.ts"));
  const uses: { where: string; name: string; kind: string }[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      const named = (node as { name?: ts.Node }).name;
      let name: string | undefined;
      let kind: string | undefined;
      if (ts.isPropertyAccessExpression(node) && names.has(node.name.text)) {
        name = node.name.text;
        const on = node.expression;
        kind =
          on.kind === ts.SyntaxKind.ThisKeyword
            ? "read on this"
            : ts.isIdentifier(on) && on.text === "party"
              ? "read on party"
              : "read on another object";
      } else if (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression)) {
        if (names.has(node.argumentExpression.text)) [name, kind] = [node.argumentExpression.text, "quoted"];
      } else if (named && ts.isIdentifier(named) && names.has(named.text)) {
        name = named.text;
        if (ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node)) {
          const isPrivate = ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Private;
          kind = isPrivate ? "private member" : "public member";
        } else if (
          ts.isPropertyAssignment(node) ||
          ts.isShorthandPropertyAssignment(node) ||
          ts.isPropertySignature(node) ||
          ts.isMethodSignature(node) ||
          ts.isBindingElement(node)
        ) {
          kind = "object or type key";
        }
      }
      if (name && kind) uses.push({ where: `${path.basename(file)}:${node.getStart()}`, name, kind });
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return uses;
}

describe("client build: the private member names it shortens", () => {
  const uses = usesOf(new Set(PRIVATE_MEMBERS));

  it("are each a private member of one of the client's classes", () => {
    for (const name of PRIVATE_MEMBERS) {
      assert.ok(
        uses.some((u) => u.name === name && u.kind === "private member"),
        `${name} is not a private member in client/`,
      );
    }
  });

  it("are read only on `this` (or the party WatchParty's own constructors made), and are no key of any object or type", () => {
    const wrong = uses.filter(
      (u) =>
        !(
          u.kind === "private member" ||
          u.kind === "read on this" ||
          (u.kind === "read on party" && u.name === "adopt")
        ),
    );
    assert.deepEqual(wrong, []);
  });

  it("leave out the private members that are also option or object keys (now, clockSync, timer)", () => {
    const left = usesOf(new Set(["now", "clockSync", "timer"]));
    for (const name of ["now", "clockSync", "timer"]) {
      assert.ok(!(PRIVATE_MEMBERS as readonly string[]).includes(name));
      assert.ok(left.some((u) => u.name === name && u.kind === "private member"));
      assert.ok(
        left.some((u) => u.name === name && u.kind !== "private member" && u.kind !== "read on this"),
      );
    }
  });
});
