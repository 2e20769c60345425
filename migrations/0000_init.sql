CREATE TABLE "members" (
	"room_id" text NOT NULL,
	"user_id" text NOT NULL,
	"username" text NOT NULL,
	"avatar_url" text,
	"joined_at" double precision NOT NULL,
	"left_at" double precision,
	CONSTRAINT "members_room_id_user_id_pk" PRIMARY KEY("room_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "rooms" (
	"room_id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"anime_id" text NOT NULL,
	"anime_title" text NOT NULL,
	"episode_number" integer NOT NULL,
	"video_url" text NOT NULL,
	"is_public" boolean NOT NULL,
	"access_key" text,
	"host_user_id" text NOT NULL,
	"is_playing" boolean DEFAULT false NOT NULL,
	"position" double precision DEFAULT 0 NOT NULL,
	"updated_at" double precision NOT NULL,
	"rate" double precision DEFAULT 1 NOT NULL,
	"seq" integer DEFAULT 0 NOT NULL,
	"host_actions" integer DEFAULT 0 NOT NULL,
	"peak_members" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'live' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_active_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_samples" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"room_id" text NOT NULL,
	"user_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"drift" double precision NOT NULL,
	"sync_status" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_room_id_rooms_room_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("room_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_samples" ADD CONSTRAINT "sync_samples_room_id_rooms_room_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("room_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rooms_public_created_idx" ON "rooms" USING btree ("created_at" DESC NULLS LAST,"room_id" DESC NULLS LAST) WHERE "rooms"."is_public";--> statement-breakpoint
CREATE INDEX "rooms_anime_idx" ON "rooms" USING btree ("anime_id","created_at" DESC NULLS LAST,"room_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "rooms_last_active_idx" ON "rooms" USING btree ("last_active_at");--> statement-breakpoint
CREATE INDEX "sync_samples_room_at_idx" ON "sync_samples" USING btree ("room_id","at");--> statement-breakpoint
CREATE INDEX "sync_samples_at_idx" ON "sync_samples" USING btree ("at");