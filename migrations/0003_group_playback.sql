CREATE TABLE "reaction_buckets" (
	"anime_id" text NOT NULL,
	"episode_number" integer NOT NULL,
	"bucket_start_s" double precision NOT NULL,
	"reactions" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "reaction_buckets_anime_id_episode_number_bucket_start_s_pk" PRIMARY KEY("anime_id","episode_number","bucket_start_s")
);
--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "segments" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "wait_for_buffering" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "auto_skip" boolean DEFAULT false NOT NULL;