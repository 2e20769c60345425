ALTER TABLE "members" ADD COLUMN "stay" text;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "owner_user_id" text;--> statement-breakpoint
UPDATE "rooms" SET "owner_user_id" = "host_user_id";--> statement-breakpoint
ALTER TABLE "rooms" ALTER COLUMN "owner_user_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "invite_secret" text;--> statement-breakpoint
UPDATE "rooms" SET "invite_secret" = replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', '') WHERE NOT "is_public";--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "comment_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "rooms" r SET "comment_count" = c.n FROM (SELECT "room_id", count(*)::int AS n FROM "comments" WHERE "kind" = 'comment' AND "room_id" IS NOT NULL GROUP BY "room_id") c WHERE c."room_id" = r."room_id";--> statement-breakpoint
UPDATE "comments" SET "room_id" = NULL WHERE "room_id" IN (SELECT "room_id" FROM "rooms" WHERE NOT "is_public");
