/**
 * The client package's declarations: tsc's, for client/index.ts and what it imports, with one
 * change. schema/messages.ts derives its types from zod schemas (`z.infer<typeof x>`), which as
 * declarations would make every user of the package install zod. Its declaration file is written
 * without zod: the schema constants and helpers go (the client never imports them at run time), and
 * each derived type is written out as the plain type it stands for (field comments are lost there;
 * docs/contract-notes.md describes the fields).
 */
import path from "node:path";
import ts from "typescript";

const REPO = path.resolve(import.meta.dirname, "..");
const ZOD_USE = /\bz\.|from "zod"/;

/** Emits the declarations of `entry` (and its imports) under `outDir`, mirroring the repository's layout. */
export function emitDeclarations(entry: string, outDir: string): void {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(REPO, "client", "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("client/tsconfig.json could not be read");
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: REPO,
    outDir,
  };
  const program = ts.createProgram([entry], options);
  const checker = program.getTypeChecker();
  const problems: string[] = [];
  const result = program.emit(undefined, (file, text) => {
    const source = path.relative(outDir, file).replace(/\.d\.ts$/, ".ts");
    const written = ZOD_USE.test(text)
      ? withoutZod(text, program.getSourceFile(path.join(REPO, source)), checker)
      : text;
    if (ZOD_USE.test(written)) problems.push(`${source}: its declarations still need zod`);
    ts.sys.writeFile(file, written);
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  for (const d of diagnostics) problems.push(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  if (problems.length > 0) throw new Error(`client declarations:\n${problems.join("\n")}`);
}

/** A declaration file without zod: derived types written out, zod values and helpers left out. */
function withoutZod(dts: string, source: ts.SourceFile | undefined, checker: ts.TypeChecker): string {
  if (!source) return dts;
  const declared = ts.createSourceFile("x.d.ts", dts, ts.ScriptTarget.Latest, true);
  const kept: string[] = [];
  for (const statement of declared.statements) {
    const text = statement.getFullText(declared);
    if (!ZOD_USE.test(text)) kept.push(text);
    else if (ts.isTypeAliasDeclaration(statement)) kept.push(writtenOut(statement, source, checker));
    // else: a zod schema constant, the zod import or a helper over zod types: not part of the client's API
  }
  return `${kept.join("").trim()}\n`;
}

function writtenOut(alias: ts.TypeAliasDeclaration, source: ts.SourceFile, checker: ts.TypeChecker): string {
  const name = alias.name.text;
  const original = source.statements.find(
    (s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === name,
  );
  if (!original) throw new Error(`${name}: not found in ${source.fileName}`);
  const type = checker.getTypeAtLocation(original.name);
  const flags =
    ts.NodeBuilderFlags.NoTruncation |
    ts.NodeBuilderFlags.InTypeAlias |
    ts.NodeBuilderFlags.MultilineObjectLiterals;
  const node = checker.typeToTypeNode(type, undefined, flags);
  if (!node) throw new Error(`${name}: its type could not be written out`);
  const printed = ts.createPrinter().printNode(ts.EmitHint.Unspecified, node, source);
  const doc = ts.getLeadingCommentRanges(alias.getSourceFile().text, alias.getFullStart()) ?? [];
  const comments = doc.map((c) => `${alias.getSourceFile().text.slice(c.pos, c.end)}\n`).join("");
  return `\n${comments}export type ${name} = ${printed};`;
}
