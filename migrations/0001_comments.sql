CREATE TABLE "comments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text DEFAULT 'comment' NOT NULL,
	"anime_id" text NOT NULL,
	"episode_number" integer NOT NULL,
	"parent_id" bigint,
	"depth" integer NOT NULL,
	"user_id" text,
	"username" text,
	"message" text NOT NULL,
	"room_id" text,
	"video_timestamp" double precision,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "comments_one_anchor_per_episode" ON "comments" USING btree ("anime_id","episode_number") WHERE "comments"."kind" = 'anchor';--> statement-breakpoint
CREATE INDEX "comments_thread_idx" ON "comments" USING btree ("anime_id","episode_number","parent_id","id");--> statement-breakpoint
CREATE INDEX "comments_parent_idx" ON "comments" USING btree ("parent_id","id");--> statement-breakpoint
CREATE INDEX "comments_room_idx" ON "comments" USING btree ("room_id");--> statement-breakpoint
CREATE INDEX "comments_episode_user_idx" ON "comments" USING btree ("anime_id","episode_number","user_id");