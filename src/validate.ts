/** Validation at the edge: one zod schema per input; a failure is INVALID_INPUT naming the field. */
import type { z } from "zod";
import { describeIssues } from "../schema/messages.ts";
import { AppError } from "./errors.ts";

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError("INVALID_INPUT", describeIssues(result.error));
  return result.data;
}
