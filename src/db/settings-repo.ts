/** Server-wide settings kept in the database, shared by every process on it. */
import { randomBytes } from "node:crypto";
import { eq } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { settings } from "./schema.ts";

/** The member-token secret: generated once, then the same for every restart and every process. */
export async function getOrCreateTokenSecret(db: Db): Promise<string> {
  await db
    .insert(settings)
    .values({ key: "token_secret", value: randomBytes(32).toString("base64url") })
    .onConflictDoNothing();
  const [row] = await db.select().from(settings).where(eq(settings.key, "token_secret"));
  if (!row) throw new Error("token_secret missing after insert");
  return row.value;
}
